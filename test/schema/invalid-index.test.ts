import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { runHealthChecks } from '../../src/health/index.js';
import { openDatabase } from '../../src/index.js';
import { loadExpectedSchemaFile } from '../../src/schema/loader.js';
import { pullSchema } from '../../src/schema/pull/index.js';
import { collectFindings } from '../../src/schema/validate.js';
import { describeEngines } from '../helpers/engines.js';

/**
 * A CREATE INDEX CONCURRENTLY that fails (duplicates for a unique index) leaves its index INVALID:
 * never used, still maintained. Before, introspection saw a normal index and validate called the
 * declared index present. Now validate reports it (error when declared, warning otherwise) with the
 * rebuild, and health-check's database check warns with its name.
 */
describeEngines(
  'INVALID indexes',
  (fx) => {
    it('validate and health-check report the index a failed CONCURRENTLY build left; its fix makes both clean', async () => {
      const conn = await openDatabase(await fx.config());
      try {
        await sql`create table ii_t (id int primary key, code int)`.execute(conn.db);
        await sql`insert into ii_t values (1, 7), (2, 7)`.execute(conn.db);
        await expect(sql`create unique index concurrently ii_t_code on ii_t (code)`.execute(conn.db)).rejects.toThrow(/could not create unique index/);
        const dir = join(fx.dir(), 'ii-schema');
        await pullSchema(conn, { out: join(dir, 'index.ts') });
        const text = readFileSync(join(dir, 'index.ts'), 'utf8');
        const config = { ...(await fx.config()), schemaDir: dir };
        const problems = async () =>
          (await collectFindings(conn, config, { expected: await loadExpectedSchemaFile(join(dir, 'index.ts')), migrations: false, drift: false })).items
            .map((i) => i.finding)
            .filter((f) => f.check === 'schema' && f.level !== 'ok' && f.level !== 'info');
        const declared = await problems();
        expect(declared.map((f) => `${f.level} ${f.kind} ${f.object}`)).toEqual(['error index-invalid index ii_t_code']);
        expect(declared[0]!.message).toBe('index ii_t_code on ii_t is INVALID: a CREATE INDEX CONCURRENTLY that failed left it; it is never used and still slows every write');
        expect(declared[0]!.fix?.sql).toEqual(['drop index concurrently "ii_t_code"', 'create unique index concurrently "ii_t_code" on "ii_t" ("code")']);
        // Not declared: a warning, with the drop.
        writeFileSync(join(dir, 'index.ts'), text.replace(/^.*ii_t_code.*\n/m, ''));
        const undeclared = await problems();
        expect(undeclared.map((f) => `${f.level} ${f.kind}`)).toEqual(['warning index-invalid']);
        expect(undeclared[0]!.fix?.sql).toEqual(['drop index concurrently "ii_t_code"']);
        writeFileSync(join(dir, 'index.ts'), text);

        const health = await runHealthChecks(config, { checks: ['database'] });
        expect(health.checks[0]).toMatchObject({ name: 'database', status: 'warn', details: { invalidIndexes: [{ schema: 'public', table: 'ii_t', index: 'ii_t_code' }] } });
        expect(health.checks[0]!.message).toMatch(/^1 INVALID index \(a failed CREATE INDEX CONCURRENTLY left it: never used, still slowing writes\): ii_t_code — DROP INDEX CONCURRENTLY and build again/);

        // The fix, once the duplicate is gone: both clean.
        await sql`delete from ii_t where id = 2`.execute(conn.db);
        for (const s of declared[0]!.fix!.sql) await sql.raw(s).execute(conn.db);
        expect(await problems()).toEqual([]);
        const healthy = await runHealthChecks(config, { checks: ['database'] });
        expect(healthy.checks[0]!.status).toBe('ok');
      } finally {
        await sql`drop table if exists ii_t`.execute(conn.db);
        await conn.close();
      }
    });
  },
  ['postgres'],
);
