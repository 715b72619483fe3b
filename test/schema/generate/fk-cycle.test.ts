import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, expect, it } from 'vitest';
import { resolveConfig } from '../../../src/config/index.js';
import { migrateDiff, migrateUp, openDatabase, rollback } from '../../../src/index.js';
import { isInternalTable } from '../../../src/schema/diff.js';
import type { ExpectedSchema, ExpectedTable } from '../../../src/schema/model.js';
import { createPgDatabase, describeEngines, type EngineFixture } from '../../helpers/engines.js';

// New tables whose foreign keys form a cycle, as documenso's Prisma schema has (Organisation →
// OrganisationGlobalSettings → OrganisationEmail → EmailDomain → Organisation): migrate diff wrote every
// foreign key inside CREATE TABLE, so the first table of the cycle referenced one not created yet and the
// rehearsal failed. Now the closing foreign key is added once all the tables exist.

let n = 0;
const pgDbs: Array<{ drop(): Promise<void> }> = [];
afterAll(async () => {
  for (const d of pgDbs) await d.drop();
});

async function project(fx: EngineFixture) {
  const cwd = join(fx.dir(), `cycle-${++n}`);
  mkdirSync(cwd, { recursive: true });
  let url: string;
  if (fx.variant === 'postgres') {
    const d = await createPgDatabase('eventdb_cycle');
    pgDbs.push(d);
    url = d.url;
  } else url = fx.variant === 'pglite' ? `pglite:${join(cwd, 'pg')}` : `${fx.engine}:${join(cwd, `app.${fx.engine}`)}`;
  return { cwd, config: await resolveConfig({ flags: { url }, env: { EVENTDB_MIGRATIONS_DIR: join(cwd, 'migrations') }, cwd }) };
}

const t = (name: string, ref: string, onDelete: 'CASCADE' | 'SET NULL'): ExpectedTable => ({
  name,
  required: true,
  primaryKey: ['id'],
  columns: [{ name: 'id', family: 'integer', type: 'integer', nullable: false }, { name: `${ref}_id`, family: 'integer', type: 'integer', nullable: true }],
  foreignKeys: [{ columns: [`${ref}_id`], references: { table: ref, columns: ['id'] }, onDelete }],
});
const cycle: ExpectedSchema = { formatVersion: 1, rules: [], tables: [t('organisation', 'settings', 'SET NULL'), t('settings', 'email', 'SET NULL'), t('email', 'organisation', 'CASCADE')] };

describeEngines('migrate diff: new tables whose foreign keys form a cycle', (fx) => {
  if (fx.engine === 'duckdb') {
    it('DuckDB cannot add the closing foreign key: refused (DIFF_REFUSED), naming the cycle, nothing written', async () => {
      const { cwd, config } = await project(fx);
      const err = (await migrateDiff(config, { name: 'cycle', expected: cycle, engines: ['duckdb'] }).then(() => undefined, (e: unknown) => e)) as { code?: string; message: string };
      expect(err.code).toBe('DIFF_REFUSED');
      expect(err.message).toMatch(/cannot create tables whose foreign keys form a cycle/);
      expect(existsSync(join(cwd, 'migrations'))).toBe(false);
    });
    return;
  }
  it('creates the tables, adds the closing foreign key after them, enforces it, and rolls back to nothing', async () => {
    const { config } = await project(fx);
    const diff = await migrateDiff(config, { name: 'cycle', expected: cycle, engines: [fx.engine] });
    expect(diff.written.length).toBeGreaterThan(0);
    const db = await openDatabase(config);
    try {
      await migrateUp(db, config);
      const live = await db.introspect();
      const fks = live.foreignKeys.map((f) => `${f.table}→${f.refTable} ${f.onDelete}`).sort();
      expect(fks).toEqual(['email→organisation CASCADE', 'organisation→settings SET NULL', 'settings→email SET NULL']);
      // the closing key is enforced: a row pointing at nothing is refused
      const bad = await sql.raw('insert into email (id, organisation_id) values (1, 99)').execute(db.db).then(() => 'inserted', (e: Error) => e.message);
      expect(bad).toMatch(/foreign key/i);
      expect((await migrateDiff(config, { name: 'again', expected: cycle, engines: [fx.engine], check: true })).changed).toBe(false);
      await rollback(db, config, { force: true, count: 10, lockTimeoutMs: 10_000 });
      expect((await db.introspect()).tables.filter((x) => !isInternalTable(x.name))).toEqual([]);
    } finally {
      await db.close();
    }
  });
});
