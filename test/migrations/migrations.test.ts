import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { openDatabase } from '../../src/index.js';
import type { Connection } from '../../src/dialects/types.js';
import { EventdbError } from '../../src/errors.js';
import { baseline, createMigration, loadMigrations, migrateUp, migrationStatus, repair, rollback, validateMigrations, orderMigrations, renderGraph } from '../../src/migrations/index.js';
import { describeEngines } from '../helpers/engines.js';
import { fail, historyIds, sqlMig, userTables, writeMigrations } from './helpers.js';

const open: Connection[] = [];
afterEach(async () => {
  for (const c of open.splice(0)) await c.close();
});

const BASIC = {
  '0001_users.sql': sqlMig('create table users (id integer primary key, email text not null);\ncreate index users_email on users (email);', 'drop table users;'),
  '0002_venues.ts': `export const meta = { description: 'venues' };
export async function up(db) { await db.schema.createTable('venues').addColumn('id', 'integer', (c) => c.primaryKey()).addColumn('name', 'text').execute(); }
export async function down(db) { await db.schema.dropTable('venues').execute(); }
`,
  '0003_events.sql': sqlMig('create table events (id integer primary key, venue_id integer);', 'drop table events;', '-- eventdb:depends-on 0002_venues\n'),
};

describeEngines('migrations', (fx) => {
  async function setup(files: Record<string, string>) {
    const dir = writeMigrations(fx.dir(), files);
    const config = { ...(await fx.config()), migrationsDir: dir };
    const conn = await openDatabase(config);
    open.push(conn);
    return { dir, config, conn };
  }

  it('applies in order, records history and the log, and reports status', async () => {
    const { conn, config } = await setup(BASIC);
    const before = await migrationStatus(conn, config);
    expect(before.pending).toBe(3);
    expect(before.migrations.map((m) => m.state)).toEqual(['pending', 'pending', 'pending']);
    const r = await migrateUp(conn, config);
    expect(r.applied.map((s) => s.id)).toEqual(['0001_users', '0002_venues', '0003_events']);
    expect(r.applied[1]!.statements.join('\n')).toMatch(/create table "venues"/);
    expect(await userTables(conn.db, fx.engine)).toEqual(['events', 'users', 'venues']);
    const hist = await conn.db.selectFrom('eventdb_migrations').selectAll().orderBy('id').execute();
    expect(hist.map((h) => [h.id, Number(h.batch)])).toEqual([['0001_users', 1], ['0002_venues', 1], ['0003_events', 1]]);
    expect(String(hist[0]!.checksum)).toMatch(/^[0-9a-f]{64}$/);
    const log = await conn.db.selectFrom('eventdb_migration_log').select(['id', 'outcome']).where('outcome', '=', 'applied').execute();
    expect(log).toHaveLength(3);
    const after = await migrationStatus(conn, config);
    expect(after.pending).toBe(0);
    expect(after.migrations.every((m) => m.state === 'applied' && m.appliedAt)).toBe(true);
    const again = await migrateUp(conn, config);
    expect(again.applied).toEqual([]);
  });

  it('--dry-run shows every statement, rehearses, and leaves history and schema identical', async () => {
    const { conn, config } = await setup(BASIC);
    await migrateUp(conn, config, { to: '0001_users' });
    const schemaBefore = JSON.stringify(await conn.introspect());
    const histBefore = JSON.stringify(await conn.db.selectFrom('eventdb_migrations').selectAll().orderBy('id').execute());
    const logBefore = (await conn.db.selectFrom('eventdb_migration_log').selectAll().execute()).length;
    const r = await migrateUp(conn, config, { dryRun: true });
    expect(r.dryRun).toBe(true);
    expect(r.plan.map((s) => s.id)).toEqual(['0002_venues', '0003_events']);
    expect(r.plan[0]!.captured).toBe(true);
    expect(r.plan[0]!.statements[0]).toMatch(/create table "venues"/);
    expect(r.plan[1]!.statements).toEqual(['create table events (id integer primary key, venue_id integer)']);
    expect(r.rehearsal).toMatchObject({ ran: true, ok: true, rehearsed: ['0002_venues', '0003_events'] });
    expect(JSON.stringify(await conn.introspect())).toBe(schemaBefore);
    expect(JSON.stringify(await conn.db.selectFrom('eventdb_migrations').selectAll().orderBy('id').execute())).toBe(histBefore);
    expect((await conn.db.selectFrom('eventdb_migration_log').selectAll().execute()).length).toBe(logBefore);
  });

  it('--dry-run reports the first error of a failing plan and changes nothing', async () => {
    const { conn, config } = await setup({ ...BASIC, '0004_bad.sql': sqlMig('create table ok_one (x integer);\ninsert into no_such_table values (1);') });
    const r = await migrateUp(conn, config, { dryRun: true });
    expect(r.rehearsal?.ok).toBe(false);
    expect(r.rehearsal?.error).toMatchObject({ id: '0004_bad', statement: 'insert into no_such_table values (1)' });
    expect(r.rehearsal?.error?.message).toMatch(/no_such_table/);
    expect(await userTables(conn.db, fx.engine)).toEqual([]);
    expect(await historyIds(conn.db)).toEqual([]);
  });

  it('a failing migration is rolled back, logged, and names file, statement and the engine error', async () => {
    const { conn, config } = await setup({ ...BASIC, '0004_bad.sql': sqlMig('create table half (x integer);\ncreate tabel oops (x integer);') });
    const e = await fail(migrateUp(conn, config));
    expect(e.code).toBe('MIGRATION_FAILED');
    expect(e.exitCode).toBe(1);
    expect(e.message).not.toContain('\n');
    expect(e.message).toContain('0004_bad.sql');
    expect(e.message).toMatch(/syntax error|tabel/i);
    expect(e.message).toContain('create tabel oops');
    expect(await userTables(conn.db, fx.engine)).toEqual(['events', 'users', 'venues']);
    expect(await historyIds(conn.db)).toEqual(['0001_users', '0002_venues', '0003_events']);
    const failed = await conn.db.selectFrom('eventdb_migration_log').select(['id', 'error', 'statement']).where('outcome', '=', 'failed').execute();
    expect(failed).toHaveLength(1);
    expect(failed[0]!.id).toBe('0004_bad');
    expect(String(failed[0]!.statement)).toContain('create tabel oops');
    expect((await migrationStatus(conn, config)).failedAttempts.map((f) => f.id)).toEqual(['0004_bad']);
  });

  it('a changed applied file refuses up until repaired; CRLF and BOM do not count as changes', async () => {
    const { conn, config, dir } = await setup(BASIC);
    await migrateUp(conn, config);
    const f = join(dir, '0001_users.sql');
    const text = readFileSync(f, 'utf8');
    writeFileSync(f, `\uFEFF${text.replace(/\n/g, '\r\n')}`);
    expect((await migrationStatus(conn, config)).changed).toBe(0);
    writeFileSync(f, text.replace('email text not null', 'email text'));
    writeFileSync(join(dir, '0005_more.sql'), sqlMig('create table more (x integer);', 'drop table more;'));
    const st = await migrationStatus(conn, config);
    expect(st.migrations.find((m) => m.id === '0001_users')).toMatchObject({ state: 'changed' });
    const e = await fail(migrateUp(conn, config));
    expect(e.code).toBe('CHECKSUM_MISMATCH');
    expect(e.message).toContain('0001_users');
    expect(await userTables(conn.db, fx.engine)).not.toContain('more');
    const v = await validateMigrations(conn, config, conn.engine);
    expect(v.problems.map((p) => p.code)).toEqual(['CHECKSUM_MISMATCH']);
    const rep = await repair(conn, config);
    expect(rep.updated.map((u) => u.id)).toEqual(['0001_users']);
    expect((await migrateUp(conn, config)).applied.map((s) => s.id)).toEqual(['0005_more']);
    expect((await conn.db.selectFrom('eventdb_migration_log').select('id').where('outcome', '=', 'repaired').execute()).length).toBe(1);
  });

  it('reports a missing file and refuses out-of-order migrations unless allowed', async () => {
    const { conn, config, dir } = await setup(BASIC);
    await migrateUp(conn, config);
    rmSync(join(dir, '0003_events.sql'));
    expect((await migrationStatus(conn, config)).migrations.find((m) => m.id === '0003_events')?.state).toBe('missing');
    writeFileSync(join(dir, '0003_events.sql'), BASIC['0003_events.sql']);
    writeFileSync(join(dir, '0000_early.sql'), sqlMig('create table early (x integer);', 'drop table early;'));
    const e = await fail(migrateUp(conn, config));
    expect(e.code).toBe('OUT_OF_ORDER');
    expect(e.message).toContain('0000_early');
    expect(await userTables(conn.db, fx.engine)).not.toContain('early');
    await migrateUp(conn, config, { allowOutOfOrder: true });
    expect(await userTables(conn.db, fx.engine)).toContain('early');
  });

  it('rolls back the last batch in reverse dependency order; --to and N; refuses without down and with dependents', async () => {
    const files = { ...BASIC, '0004_tags.sql': sqlMig('create table tags (x integer);', 'drop table tags;'), '0005_nodown.sql': sqlMig('create table nodown (x integer);') };
    const { conn, config } = await setup(files);
    await migrateUp(conn, config, { to: '0003_events' });
    await migrateUp(conn, config, { to: '0004_tags' });
    const r = await rollback(conn, config);
    expect(r.rolledBack.map((s) => s.id)).toEqual(['0004_tags']);
    await migrateUp(conn, config);
    const e = await fail(rollback(conn, config));
    expect(e.code).toBe('NO_DOWN');
    expect(e.message).toContain('0005_nodown');
    expect(await historyIds(conn.db)).toContain('0005_nodown');
    // 0003_events depends on 0002_venues: rolling back 0002 alone is refused.
    const dep = await fail(rollback(conn, config, { to: '0001_users' }));
    expect(dep.code).toBe('NO_DOWN');
    const { dir } = { dir: config.migrationsDir };
    writeFileSync(join(dir, '0005_nodown.sql'), files['0005_nodown.sql']);
    const r2 = await rollback(conn, config, { to: '0003_events', force: false }).catch((x: unknown) => x);
    expect((r2 as EventdbError).code).toBe('NO_DOWN');
    expect(await historyIds(conn.db)).toEqual(['0001_users', '0002_venues', '0003_events', '0004_tags', '0005_nodown']);
  });

  it('refuses to roll back a migration while one that depends on it stays applied', async () => {
    const files = {
      '0001_a.sql': sqlMig('create table a (x integer);', 'drop table a;'),
      '0002_b.sql': sqlMig('create table b (x integer);', 'drop table b;'),
      '0003_c.sql': sqlMig('create table c (x integer);', 'drop table c;', '-- eventdb:depends-on 0001_a\n'),
    };
    const { conn, config } = await setup(files);
    await migrateUp(conn, config, { to: '0001_a' });
    await migrateUp(conn, config, { to: '0002_b' });
    await migrateUp(conn, config);
    // Roll back the last 2 applied in order (0003_c, 0002_b) works.
    const r = await rollback(conn, config, { count: 2 });
    expect(r.rolledBack.map((s) => s.id)).toEqual(['0003_c', '0002_b']);
    await migrateUp(conn, config);
    // --to 0002_b keeps 0001_a and 0002_b; 0003_c depends on 0001_a but goes too.
    const r2 = await rollback(conn, config, { to: '0002_b' });
    expect(r2.rolledBack.map((s) => s.id)).toEqual(['0003_c']);
    await migrateUp(conn, config);
    // Rolling back only 0001_a's batch while 0003_c stays applied is refused.
    await conn.db.updateTable('eventdb_migrations').set({ batch: 99 }).where('id', '=', '0001_a').execute();
    const e = await fail(rollback(conn, config));
    expect(e.code).toBe('DEPENDENT_APPLIED');
    expect(e.message).toBe('cannot roll back 0001_a: 0003_c depends on it and stays applied');
    expect(await historyIds(conn.db)).toEqual(['0001_a', '0002_b', '0003_c']);
    expect(await userTables(conn.db, fx.engine)).toEqual(['a', 'b', 'c']);
  });

  it('engine variants replace the portable file; a migration without a file for this engine is an error', async () => {
    const other = fx.engine === 'sqlite' ? 'duckdb' : 'sqlite';
    const { conn, config, dir } = await setup({
      '0001_x.sql': sqlMig('create table portable (x integer);', 'drop table portable;'),
      [`0001_x.${fx.engine}.sql`]: sqlMig(`create table variant_${fx.engine} (x integer);`, `drop table variant_${fx.engine};`),
    });
    await migrateUp(conn, config);
    expect(await userTables(conn.db, fx.engine)).toEqual([`variant_${fx.engine}`]);
    writeFileSync(join(dir, `0002_only.${other}.sql`), sqlMig('select 1;'));
    const e = await fail(loadMigrations(dir, fx.engine));
    expect(e.code).toBe('NO_VARIANT');
    expect(e.message).toBe(`migration 0002_only has no file for ${fx.engine} (found 0002_only.${other}.sql)`);
  });

  it('runs class-shaped migrations (BaseMigration with this.executeSQL)', async () => {
    const { conn, config } = await setup({
      '0001_cls.ts': `import { BaseMigration } from 'eventdb';
export default class AddThings extends BaseMigration {
  id = '0001'; version = 1; name = 'add_things'; description = 'two tables'; category = 'schema';
  async up() { await this.executeSQL('create table thing_a (x integer); create table thing_b (y integer);'); }
  async down() { await this.executeSQL('drop table thing_b; drop table thing_a;'); }
}
`,
      // The folder is outside any project (no node_modules above it): 'kysely' resolves to eventdb's own.
      '0002_fn.ts': `import { sql, type Kysely } from 'kysely';
export async function up(db: Kysely<any>) { await sql\`create table thing_c (z integer)\`.execute(db); }
export async function down(db: Kysely<any>) { await sql\`drop table thing_c\`.execute(db); }
`,
    });
    const r = await migrateUp(conn, config);
    expect(r.applied[0]!.statements).toEqual(['create table thing_a (x integer)', 'create table thing_b (y integer)']);
    expect(await userTables(conn.db, fx.engine)).toEqual(['thing_a', 'thing_b', 'thing_c']);
    await rollback(conn, config);
    expect(await userTables(conn.db, fx.engine)).toEqual([]);
  });

  it('baseline marks migrations as applied without running them', async () => {
    const { conn, config } = await setup(BASIC);
    const r = await baseline(conn, config, { to: '0002_venues' });
    expect(r.baselined).toEqual(['0001_users', '0002_venues']);
    expect(await userTables(conn.db, fx.engine)).toEqual([]);
    expect(await historyIds(conn.db)).toEqual(['0001_users', '0002_venues']);
    expect((await migrateUp(conn, config)).applied.map((s) => s.id)).toEqual(['0003_events']);
  });

  it('creates numbered migrations with both sections', async () => {
    const dir = writeMigrations(fx.dir(), { '0009_a.sql': sqlMig('select 1;') });
    const r = createMigration(dir, 'Add Waitlist!', { format: 'sql' });
    expect(r.id).toBe('0010_add_waitlist');
    expect(readFileSync(r.file, 'utf8')).toMatch(/-- eventdb:up[\s\S]*-- eventdb:down/);
    const ts = createMigration(dir, 'x', { format: 'ts', engine: fx.engine });
    expect(ts.file.endsWith(`0011_x.${fx.engine}.ts`)).toBe(true);
  });
});

describeEngines('bad migration input', (fx) => {
  const cases: Array<[string, Record<string, string>, string, RegExp]> = [
    ['duplicate IDs', { '0001_a.sql': sqlMig('select 1;'), '0001_a.ts': 'export async function up() {}' }, 'DUPLICATE_ID', /duplicate migration ID 0001_a: 0001_a\.sql, 0001_a\.ts/],
    ['a cycle', { '0001_a.sql': sqlMig('select 1;', undefined, '-- eventdb:depends-on 0002_b\n'), '0002_b.sql': sqlMig('select 1;', undefined, '-- eventdb:depends-on 0001_a\n') }, 'DEPENDENCY_CYCLE', /^dependency cycle: 0001_a → 0002_b → 0001_a$/],
    ['an unknown dependency', { '0001_a.sql': sqlMig('select 1;', undefined, '-- eventdb:depends-on 0000_nope\n') }, 'UNKNOWN_DEPENDENCY', /^0001_a\.sql depends on unknown migration 0000_nope$/],
    ['an empty file', { '0001_a.sql': '' }, 'EMPTY_MIGRATION', /0001_a\.sql is empty$/],
    ['neither section marker', { '0001_a.sql': '-- just a comment\n' }, 'NO_SECTIONS', /0001_a\.sql has no `-- eventdb:up` section$/],
    ['a TS file that throws on import', { '0001_a.ts': "throw new Error('boom at import');\nexport async function up() {}" }, 'MIGRATION_IMPORT', /cannot load .*0001_a\.ts: boom at import/],
  ];
  for (const [what, files, code, message] of cases) {
    it(`refuses ${what} and changes nothing`, async () => {
      const dir = writeMigrations(fx.dir(), files);
      const config = { ...(await fx.config()), migrationsDir: dir };
      const conn = await openDatabase(config);
      open.push(conn);
      const e = await fail(migrateUp(conn, config));
      expect(e.code).toBe(code);
      expect(e.message).toMatch(message);
      expect(e.message).not.toContain('\n');
      expect(e.hint.length).toBeGreaterThan(0);
      expect(await historyIds(conn.db)).toEqual([]);
      expect(await userTables(conn.db, fx.engine)).toEqual([]);
    });
  }

  it('a missing migrations folder is a usage error pointing at eventdb init', async () => {
    const config = { ...(await fx.config()), migrationsDir: join(fx.dir(), 'nope') };
    const conn = await openDatabase(config);
    open.push(conn);
    const e = await fail(migrateUp(conn, config));
    expect(e.code).toBe('NO_MIGRATIONS_DIR');
    expect(e.exitCode).toBe(2);
    expect(e.hint).toContain('eventdb init');
  });

  it('validate lists every problem at once', async () => {
    const dir = writeMigrations(fx.dir(), {
      '0001_a.sql': sqlMig('select 1;', undefined, '-- eventdb:depends-on 0002_b\n'),
      '0002_b.sql': sqlMig('select 1;', undefined, '-- eventdb:depends-on 0001_a\n'),
      '0003_c.sql': sqlMig('select 1;', undefined, '-- eventdb:depends-on 0009_x\n'),
      '0004_d.sql': '',
    });
    const config = { ...(await fx.config()), migrationsDir: dir };
    const v = await validateMigrations(undefined, config, fx.engine);
    expect(v.problems.map((p) => p.code).sort()).toEqual(['DEPENDENCY_CYCLE', 'EMPTY_MIGRATION', 'UNKNOWN_DEPENDENCY']);
  });
});

describeEngines(
  'postgres scripts',
  (fx) => {
    it('runs $$ function bodies and many statements in one section', async () => {
      const dir = writeMigrations(fx.dir(), {
        '0001_fn.sql': sqlMig(
          `create table counters (n integer not null);
create function bump() returns trigger language plpgsql as $$
begin
  new.n := new.n + 1; -- a semicolon inside the body
  return new;
end $$;
create trigger counters_bump before insert on counters for each row execute function bump();
insert into counters values (1);`,
          'drop table counters;\ndrop function bump();',
        ),
      });
      const config = { ...(await fx.config()), migrationsDir: dir };
      const conn = await openDatabase(config);
      open.push(conn);
      const r = await migrateUp(conn, config);
      expect(r.applied[0]!.statements).toHaveLength(4);
      expect(r.applied[0]!.statements[1]).toMatch(/^create function bump\(\)[\s\S]*end \$\$$/);
      const row = await conn.db.selectFrom('counters').select('n').executeTakeFirst();
      expect(Number(row!.n)).toBe(2);
    });
  },
  ['postgres'],
);

it('orders by dependencies, then file order, and renders the graph', async () => {
  const m = (id: string, dependsOn: string[] = []) => ({ id, file: `${id}.sql`, kind: 'sql' as const, variant: 'portable' as const, checksum: '', dependsOn, transaction: true, hasDown: true });
  const ordered = orderMigrations([m('0001_a', ['0003_c']), m('0002_b'), m('0003_c')]);
  expect(ordered.map((x) => x.id)).toEqual(['0002_b', '0003_c', '0001_a']);
  expect(renderGraph(ordered, 'mermaid')).toContain('m1 --> m2');
  expect(renderGraph(ordered, 'dot')).toContain('"0003_c" -> "0001_a";');
});
