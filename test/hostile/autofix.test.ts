import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { afterEach, expect, it } from 'vitest';
import { openDatabase } from '../../src/index.js';
import { BIN, ROOT, baseEnv, runCli } from '../helpers/cli.js';
import { describeEngines } from '../helpers/engines.js';
import { exec, fullDdl, writeSchemaDir } from '../validate/fixture.js';

const children: Array<ReturnType<typeof spawn>> = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

const WITHOUT_FK = (engine: string) => fullDdl(engine).map((s) => s.replace(/ references venues \(id\)( on delete cascade)?/, ''));

/** Item 6, PostgreSQL: a foreign key left NOT VALID by a killed auto-fix is reported by validate and finished by auto-fix. */
describeEngines(
  'item 6: kill -9 of auto-fix --apply between ADD … NOT VALID and VALIDATE',
  (fx) => {
    it('validate reports the NOT VALID foreign key (exit 1); the next auto-fix validates it and logs it in the same transaction', async () => {
      const e = { EVENTDB_DATABASE_URL: fx.url(), EVENTDB_SCHEMA_DIR: writeSchemaDir(join(fx.dir(), `s-${Date.now()}`)), EVENTDB_MIGRATIONS_DIR: join(fx.dir(), 'none') };
      const c = await openDatabase(await fx.config(e));
      try {
        await exec(c, WITHOUT_FK(fx.engine));
      } finally {
        await c.close();
      }
      // The fault hook pauses inside each of the fix's transactions: ADD … NOT VALID (commits), then VALIDATE (killed).
      const child = spawn(process.execPath, [BIN, 'auto-fix', '--apply', '--no-drift'], { cwd: ROOT, env: { ...baseEnv(), ...e, EVENTDB_FAULT_PAUSE_IN_FIX_MS: '2500' }, stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(child);
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<NodeJS.Signals | null>((r) => child.on('close', (_c, s) => r(s)));
      if (fx.variant === 'postgres') {
        // Wait until the NOT VALID constraint is committed, then kill during VALIDATE.
        const admin = new pg.Client({ connectionString: fx.url() });
        await admin.connect();
        try {
          for (let i = 0; i < 200; i++) {
            const r = await admin.query("select convalidated from pg_constraint where conname = 'events_venue_id_fkey'");
            if (r.rows.length) break;
            await new Promise((res) => setTimeout(res, 50));
          }
        } finally {
          await admin.end();
        }
        await new Promise((res) => setTimeout(res, 500));
      } else {
        // PGlite holds its data directory: time it (first pause 2.5 s, then the VALIDATE transaction's pause).
        for (let i = 0; i < 400 && !/applying 1\/1/.test(stderr); i++) await new Promise((res) => setTimeout(res, 25));
        await new Promise((res) => setTimeout(res, 3700));
      }
      child.kill('SIGKILL');
      expect(await exited).toBe('SIGKILL');

      const c2 = await openDatabase(await fx.config(e));
      try {
        const fk = (await c2.introspect()).foreignKeys.find((f) => f.name === 'events_venue_id_fkey');
        expect(fk?.validated).toBe(false); // the state the kill left
        const log = await sql<{ n: number }>`select count(*) as n from eventdb_autofix_log`.execute(c2.db);
        expect(Number(log.rows[0]!.n)).toBe(0); // nothing claims the fix was made
      } finally {
        await c2.close();
      }

      const v = await runCli(['validate', '--json', '--no-drift'], { env: e });
      expect(v.code, v.stdout + v.stderr).toBe(1);
      const nv = v.json().findings.find((f: any) => f.kind === 'foreign-key-not-valid');
      expect(nv).toMatchObject({ level: 'error', object: 'foreign key events(venue_id) → venues' });
      expect(nv.message).toBe('foreign key events_venue_id_fkey is NOT VALID: existing rows of events were never checked against it');
      expect(nv.fix.sql).toEqual(['alter table "events" validate constraint "events_venue_id_fkey"']);

      const r = await runCli(['auto-fix', '--apply', '--json', '--no-drift'], { env: e });
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.json().counts).toMatchObject({ applied: 1, failed: 0 });
      expect(r.json().validation.ok).toBe(true);

      const c3 = await openDatabase(await fx.config(e));
      try {
        const fk = (await c3.introspect()).foreignKeys.find((f) => f.name === 'events_venue_id_fkey');
        expect(fk).toBeDefined();
        expect(fk!.validated).toBeUndefined(); // validated
        const log = await sql<{ sql: string; outcome: string }>`select sql, outcome from eventdb_autofix_log`.execute(c3.db);
        expect(log.rows).toEqual([{ sql: 'alter table "events" validate constraint "events_venue_id_fkey"', outcome: 'applied' }]);
      } finally {
        await c3.close();
      }
      expect((await runCli(['validate', '--no-drift'], { env: e })).code).toBe(0);
    });
  },
  ['postgres', 'pglite'],
);

/** Item 6, every engine: a fix and its log row commit together — a fix whose row cannot be written is not applied. */
describeEngines('item 6: a fix commits together with its eventdb_autofix_log row', (fx) => {
  it('when the log row cannot be written, the index is not created either; once it can, both are', async () => {
    const e = { EVENTDB_DATABASE_URL: fx.url(), EVENTDB_SCHEMA_DIR: writeSchemaDir(join(fx.dir(), `s-${Date.now()}`)), EVENTDB_MIGRATIONS_DIR: join(fx.dir(), 'none') };
    const ts = fx.engine === 'sqlite' ? 'text' : 'timestamptz';
    const c = await openDatabase(await fx.config(e));
    try {
      await exec(c, fullDdl(fx.engine).filter((s) => !s.startsWith('create index events_venue_idx')));
      // A log table that refuses every row (as a full disk or a revoked grant would).
      await exec(c, [
        `create table eventdb_autofix_log (id text primary key, fix text not null, object text not null, sql text not null, outcome text not null check (outcome = 'never'), error text, applied_at ${ts} not null, duration_ms integer, applied_by text not null, eventdb_version text not null)`,
      ]);
    } finally {
      await c.close();
    }
    const r = await runCli(['auto-fix', '--apply', '--json', '--no-drift'], { env: e });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    const fix = r.json().fixes.find((f: any) => f.object.includes('events_venue_idx'));
    expect(fix.status).toBe('failed');
    const c2 = await openDatabase(await fx.config(e));
    try {
      expect((await c2.introspect()).indexes.map((i) => i.name)).not.toContain('events_venue_idx');
      await exec(c2, ['drop table eventdb_autofix_log']);
    } finally {
      await c2.close();
    }
    const again = await runCli(['auto-fix', '--apply', '--json', '--no-drift'], { env: e });
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(again.json().counts.applied).toBe(1);
    const c3 = await openDatabase(await fx.config(e));
    try {
      expect((await c3.introspect()).indexes.map((i) => i.name)).toContain('events_venue_idx');
      const log = await sql<{ object: string; outcome: string }>`select object, outcome from eventdb_autofix_log`.execute(c3.db);
      expect(log.rows).toHaveLength(1);
      expect(log.rows[0]).toMatchObject({ outcome: 'applied' });
      expect(log.rows[0]!.object).toContain('events_venue_idx');
    } finally {
      await c3.close();
    }
  });
});
