import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { openDatabase } from '../../src/index.js';
import { describeEngines } from '../helpers/engines.js';
import { applyPlatform } from './apply-platform.js';

const REGISTER = fileURLToPath(new URL('./fixtures/sqlite-register.mjs', import.meta.url));

describeEngines('registration functions under concurrency', (fx) => {
  it('50 concurrent safe_event_registration calls for 10 seats: 10 confirmed, 40 waitlisted 1..40; 5 unregistrations promote the first 5', async () => {
    const conn = await openDatabase(await fx.config());
    try {
      await applyPlatform(conn, 'up');
      const users = Array.from({ length: 51 }, (_, i) => ({ id: i + 1, email: `u${i + 1}@example.com`, name: `User ${i + 1}` }));
      await conn.db.insertInto('users').values(users).execute();
      await conn.db.insertInto('events').values({ id: 7, organizer_id: 51, title: 'Ten seats', status: 'published', starts_at: '2030-05-01T18:00:00Z', ends_at: '2030-05-01T21:00:00Z', capacity: 10 }).execute();
    } finally {
      await conn.close();
    }

    // 50 separate connections, all connected first, then released at once.
    const clients = await Promise.all(Array.from({ length: 50 }, async () => {
      const c = new pg.Client({ connectionString: fx.url() });
      await c.connect();
      return c;
    }));
    try {
      const results = await Promise.all(
        clients.map((c, i) => c.query<{ registration_id: string; status: string; waitlist_position: number | null }>('select * from safe_event_registration($1, $2)', [i + 1, 7]).then((r) => ({ user: i + 1, ...r.rows[0]! }))),
      );
      const confirmed = results.filter((r) => r.status === 'confirmed');
      const waitlisted = results.filter((r) => r.status === 'waitlisted');
      expect(confirmed).toHaveLength(10);
      expect(waitlisted).toHaveLength(40);
      expect(waitlisted.map((r) => r.waitlist_position).sort((a, b) => a! - b!)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));

      const c0 = clients[0]!;
      const db = await c0.query<{ status: string; n: string }>('select status, count(*) as n from registrations where event_id = 7 group by status order by status');
      expect(db.rows).toEqual([{ status: 'confirmed', n: '10' }, { status: 'waitlisted', n: '40' }]);
      const queue = (await c0.query<{ user_id: string; position: number }>('select r.user_id, w.position from waitlist w join registrations r on r.id = w.registration_id where w.event_id = 7 order by w.position')).rows;
      expect(queue.map((q) => q.position)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
      const firstFive = queue.slice(0, 5).map((q) => Number(q.user_id));

      // Five confirmed attendees cancel at once.
      const leaving = confirmed.slice(0, 5).map((r) => r.user);
      const un = await Promise.all(leaving.map((u, i) => clients[10 + i]!.query<{ previous_status: string; promoted_user_id: string }>('select * from safe_event_unregistration($1, 7)', [u]).then((r) => r.rows[0]!)));
      expect(un.every((r) => r.previous_status === 'confirmed')).toBe(true);
      expect(un.map((r) => Number(r.promoted_user_id)).sort((a, b) => a - b)).toEqual([...firstFive].sort((a, b) => a - b));

      const stats = (await c0.query('select * from get_event_registration_stats(7)')).rows[0];
      expect(stats).toMatchObject({ capacity: 10, confirmed: 10, waitlisted: 35, cancelled: 5, seats_available: 0 });
      const promoted = (await c0.query<{ user_id: string }>("select user_id from registrations where event_id = 7 and status = 'confirmed' and user_id = any($1::bigint[])", [firstFive])).rows;
      expect(promoted).toHaveLength(5);
      const rest = (await c0.query<{ user_id: string; position: number }>('select r.user_id, w.position from waitlist w join registrations r on r.id = w.registration_id where w.event_id = 7 order by w.position')).rows;
      expect(rest.map((r) => r.position)).toEqual(Array.from({ length: 35 }, (_, i) => i + 1));
      expect(rest.map((r) => r.user_id)).toEqual(queue.slice(5).map((q) => q.user_id));
      expect((await c0.query('select * from validate_business_rules()')).rows).toEqual([]);
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
  });

  it('the capacity trigger refuses a direct confirmed insert beyond capacity; the functions refuse bad calls; audit and cleanup work', async () => {
    const conn = await openDatabase(await fx.config());
    const db = conn.db;
    try {
      await applyPlatform(conn, 'up');
      await db.insertInto('users').values([1, 2, 3].map((id) => ({ id, email: `p${id}@example.com`, name: `P${id}` }))).execute();
      await db.insertInto('events').values({ id: 1, organizer_id: 1, title: 'Tiny', status: 'published', starts_at: '2030-01-01T10:00:00Z', ends_at: '2030-01-01T11:00:00Z', capacity: 1 }).execute();
      await db.insertInto('registrations').values({ user_id: 1, event_id: 1, status: 'confirmed' }).execute();
      await expect(db.insertInto('registrations').values({ user_id: 2, event_id: 1, status: 'confirmed' }).execute()).rejects.toThrow('event 1 is full: 1 of 1 seats taken');
      await expect(sql`select * from safe_event_registration(999, 1)`.execute(db)).rejects.toThrow('user 999 does not exist');
      await expect(sql`select * from safe_event_unregistration(3, 1)`.execute(db)).rejects.toThrow('user 3 has no active registration for event 1');
      await expect(sql`select cleanup_audit_logs(0)`.execute(db)).rejects.toThrow(/days must be at least 1/);
      const regs = await db.selectFrom('registrations').select(['user_id', 'status']).execute();
      expect(regs.map((r) => [Number(r.user_id), r.status])).toEqual([[1, 'confirmed']]);

      // Loyalty: the cached balance follows the ledger and can never go negative.
      await db.insertInto('loyalty_ledger').values({ user_id: 2, points: 100, reason: 'attendance', event_id: 1 }).execute();
      await expect(db.insertInto('loyalty_ledger').values({ user_id: 2, points: -150, reason: 'redemption' }).execute()).rejects.toThrow(/loyalty_points_check/);
      expect(Number((await db.selectFrom('users').select('loyalty_points').where('id', '=', 2).executeTakeFirstOrThrow()).loyalty_points)).toBe(100);

      const audit = await db.selectFrom('audit_log').select(['table_name', 'action', 'changed_by']).where('table_name', '=', 'registrations').execute();
      expect(audit).toEqual([{ table_name: 'registrations', action: 'INSERT', changed_by: 'postgres' }]);
      // 3 user inserts and 1 loyalty_points update of user 2 (by the ledger trigger).
      const userAudit = await db.selectFrom('audit_log').select('action').where('table_name', '=', 'users').orderBy('id').execute();
      expect(userAudit.map((a) => a.action)).toEqual(['INSERT', 'INSERT', 'INSERT', 'UPDATE']);
      await sql`update audit_log set changed_at = now() - interval '40 days' where table_name = 'users'`.execute(db);
      expect(Number((await sql<{ n: string }>`select cleanup_audit_logs(30) as n`.execute(db)).rows[0]!.n)).toBe(4);
      expect(await db.selectFrom('audit_log').select('table_name').distinct().execute()).not.toContainEqual({ table_name: 'users' });
    } finally {
      await conn.close();
    }
  });
}, ['postgres']); // not pglite: 50 concurrent server sessions (pg clients) — PGlite is one session in one process

describeEngines('registration capacity under concurrency', (fx) => {
  it('registrations from several processes at once never exceed capacity', async () => {
    const conn = await openDatabase(await fx.config());
    try {
      await applyPlatform(conn, 'up');
      await conn.db.insertInto('users').values(Array.from({ length: 40 }, (_, i) => ({ id: i + 1, email: `s${i + 1}@example.com`, name: `S${i + 1}` }))).execute();
      await conn.db.insertInto('events').values({ id: 1, organizer_id: 1, title: 'Ten seats', status: 'published', starts_at: '2030-01-01T10:00:00Z', ends_at: '2030-01-01T11:00:00Z', capacity: 10 }).execute();
    } finally {
      await conn.close();
    }
    const file = fx.url().replace(/^sqlite:/, '');
    // 4 processes × 10 users each try to take a confirmed seat.
    const outputs = await Promise.all([0, 1, 2, 3].map((p) => new Promise<{ ok: number; full: number }>((resolve, reject) => {
      const child = spawn(process.execPath, [REGISTER, file, String(p * 10 + 1), '10'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as { ok: number; full: number }) : reject(new Error(`register exited ${code}: ${err}`))));
    })));
    expect(outputs.reduce((n, o) => n + o.ok, 0)).toBe(10);
    expect(outputs.reduce((n, o) => n + o.full, 0)).toBe(30);
    const check = await openDatabase(await fx.config());
    try {
      const n = await check.db.selectFrom('registrations').select(sql<number>`count(*)`.as('n')).where('status', '=', 'confirmed').executeTakeFirstOrThrow();
      expect(Number(n.n)).toBe(10);
    } finally {
      await check.close();
    }
  });
}, ['sqlite']);
