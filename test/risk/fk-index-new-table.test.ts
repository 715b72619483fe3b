import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SchemaMemory, analyseMigration, loadParsers, readSqlMigration } from '../../src/risk/index.js';
import { createPgDatabase } from '../helpers/engines.js';

/*
 * fk-without-index on a table the migration creates (a whole schema linted as one migration, e.g.
 * GitLab's structure.sql or PostgREST's fixtures): the index goes beside the table, plainly — not
 * "CREATE INDEX CONCURRENTLY in a migration marked no-transaction", which cannot run in the table's
 * transaction and builds nothing faster on a table no one else can see. Judged by PostgreSQL: the
 * advice runs in the migration's transaction, and every lock it holds stronger than a row lock is on
 * a relation another session cannot see (so no one can wait on it).
 */
const MIGRATION = ['CREATE TABLE projects (id bigint PRIMARY KEY)', 'CREATE TABLE "Builds" (id bigint PRIMARY KEY, "projectId" bigint REFERENCES projects (id))'];

function advice(sql: string[], memory = new SchemaMemory()): string[] {
  const r = analyseMigration(readSqlMigration('0001_structure', `${sql.join(';\n')};\n`, 'structure.sql'), { engine: 'postgres' }, { memory });
  return r.findings.filter((f) => f.rule === 'fk-without-index').map((f) => `${f.level}: ${f.advice}`);
}

let db: Awaited<ReturnType<typeof createPgDatabase>>;
beforeAll(async () => {
  await loadParsers(['postgres']);
  db = await createPgDatabase('eventdb_fk_new');
});
afterAll(async () => {
  await db?.drop();
});

describe('fk-without-index on a table the migration creates', () => {
  it('advises a plain CREATE INDEX in the same migration, which PostgreSQL runs there locking only what no one else sees', async () => {
    const a = advice(MIGRATION);
    expect(a).toEqual(['medium: add `CREATE INDEX "Builds_projectId_idx" ON "Builds" ("projectId")` in this migration: the table is new, so building its index blocks no one']);
    const stmt = /`([^`]+)`/.exec(a[0]!)![1]!;

    const mine = new pg.Client({ connectionString: db.url });
    const other = new pg.Client({ connectionString: db.url });
    await mine.connect();
    await other.connect();
    try {
      await mine.query('begin');
      for (const s of MIGRATION) await mine.query(s);
      await mine.query('savepoint before_index');
      // the old advice cannot run here at all
      await expect(mine.query(stmt.replace('CREATE INDEX', 'CREATE INDEX CONCURRENTLY'))).rejects.toThrow(/cannot run inside a transaction block/);
      await mine.query('rollback to savepoint before_index');
      await mine.query(stmt);
      const pid = (await mine.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;
      const locks = await other.query<{ relation: number; visible: boolean }>(
        `select l.relation::int as relation, exists (select 1 from pg_class c where c.oid = l.relation) as visible
           from pg_locks l where l.pid = $1 and l.locktype = 'relation' and l.granted
            and l.mode not in ('AccessShareLock', 'RowShareLock', 'RowExclusiveLock')`,
        [pid],
      );
      expect(locks.rows.length).toBeGreaterThan(0); // the build does take its lock …
      expect(locks.rows.filter((l) => l.visible)).toEqual([]); // … on relations only this transaction sees
      await mine.query('commit');
      const idx = await other.query(`select indexdef from pg_indexes where tablename = 'Builds' and indexname = 'Builds_projectId_idx'`);
      expect(idx.rows).toEqual([{ indexdef: 'CREATE INDEX "Builds_projectId_idx" ON public."Builds" USING btree ("projectId")' }]);
    } finally {
      await mine.query('rollback').catch(() => undefined);
      await mine.end();
      await other.end();
    }
  });

  it('on a table an earlier migration created (deployed), the advice stays CREATE INDEX CONCURRENTLY in a no-transaction migration', () => {
    const memory = new SchemaMemory();
    advice([MIGRATION[0]!, 'CREATE TABLE "Builds" (id bigint PRIMARY KEY, "projectId" bigint)'], memory);
    expect(advice(['ALTER TABLE "Builds" ADD CONSTRAINT builds_project_fk FOREIGN KEY ("projectId") REFERENCES projects (id) NOT VALID'], memory)).toEqual([
      'medium: add `CREATE INDEX CONCURRENTLY "Builds_projectId_idx" ON "Builds" ("projectId")` in a migration marked `-- eventdb:no-transaction`',
    ]);
  });
});
