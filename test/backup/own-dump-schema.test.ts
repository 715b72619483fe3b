import { join } from 'node:path';
import { expect, it } from 'vitest';
import { sql } from 'kysely';
import { resolveConfig } from '../../src/config/index.js';
import { createBackup, restoreSnapshot } from '../../src/backup/index.js';
import { openConnection } from '../../src/dialects/index.js';
import type { ResolvedConfig } from '../../src/config/index.js';
import { describeEngines, pgAdminUrl } from '../helpers/engines.js';
import { dropPgDatabases, execSql } from './helpers.js';

/** What of the schema the own dump must carry over, read from the catalogs. */
async function schemaFacts(cfg: ResolvedConfig) {
  const conn = await openConnection(cfg);
  try {
    const q = async <T>(text: string) => (await sql.raw<T>(text).execute(conn.db)).rows;
    return {
      partitions: await q<{ child: string; parent: string; bound: string }>(
        `select c.relname as child, p.relname as parent, pg_get_expr(c.relpartbound, c.oid) as bound from pg_inherits i
         join pg_class c on c.oid = i.inhrelid join pg_class p on p.oid = i.inhparent where c.relkind in ('r', 'p') order by 1`,
      ),
      partkeys: await q<{ rel: string; key: string }>(`select relname as rel, pg_get_partkeydef(oid) as key from pg_class where relkind = 'p' order by 1`),
      indexes: await q<{ rel: string; idx: string }>(
        `select c.relname as rel, i.relname as idx from pg_index x join pg_class c on c.oid = x.indrelid join pg_class i on i.oid = x.indexrelid
         join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'public' order by 1, 2`,
      ),
      triggers: await q<{ rel: string; name: string }>(`select c.relname as rel, t.tgname as name from pg_trigger t join pg_class c on c.oid = t.tgrelid where not t.tgisinternal order by 1, 2`),
      comments: await q<{ obj: string; text: string }>(
        `select coalesce(c.relname || coalesce('.' || a.attname, ''), p.proname) as obj, d.description as text from pg_description d
         left join pg_class c on d.classoid = 'pg_class'::regclass and c.oid = d.objoid
         left join pg_attribute a on a.attrelid = c.oid and a.attnum = d.objsubid and d.objsubid > 0
         left join pg_proc p on d.classoid = 'pg_proc'::regclass and p.oid = d.objoid
         where coalesce(c.relnamespace, p.pronamespace) = 'public'::regnamespace order by 1`,
      ),
      rows: await q<{ tableoid: string; n: number }>(`select tableoid::regclass::text as tableoid, count(*)::int as n from measurements group by 1 order by 1`),
      audit: await q<{ n: number }>('select count(*)::int as n from measurement_audit'),
    };
  } finally {
    await conn.close();
  }
}

describeEngines(
  "PostgreSQL own dump: partitioned tables, comments",
  (fx) => {
    it('a partitioned table comes back partitioned (bounds, sub-partitions, indexes, triggers, rows per partition) with its comments', async () => {
      const cfg = await fx.config();
      await execSql(
        cfg,
        `create table measurements (id bigint not null, taken_on date not null, region text not null, value numeric, primary key (id, taken_on, region)) partition by range (taken_on);
         create table measurements_2024 partition of measurements for values from ('2024-01-01') to ('2025-01-01');
         create table measurements_2025 partition of measurements for values from ('2025-01-01') to ('2026-01-01') partition by list (region);
         create table measurements_2025_eu partition of measurements_2025 for values in ('eu');
         create table measurements_2025_rest partition of measurements_2025 default;
         create table measurements_other partition of measurements default;
         create index measurements_region on measurements (region);
         create table measurement_audit (id bigint);
         create function audit_measurement() returns trigger language plpgsql as $$ begin insert into measurement_audit values (new.id); return new; end $$;
         create trigger measurements_audit after insert on measurements for each row execute function audit_measurement();
         insert into measurements select i, date '2023-12-01' + (i % 800), (array['eu', 'us', 'apac'])[1 + i % 3], i * 1.5 from generate_series(1, 600) i;
         comment on table measurements is 'readings, partitioned by day';
         comment on column measurements.value is 'in kWh; it''s quoted';
         comment on function audit_measurement() is 'keeps the audit trail';`,
      );
      const before = await schemaFacts(cfg);
      expect(before.partitions).toHaveLength(5);
      expect(before.audit).toEqual([{ n: 600 }]);
      const store = `file:${join(fx.dir(), `own-dump-store-${Date.now()}`)}`;
      const env = { EVENTDB_PG_DUMP: 'never' };
      const b = await createBackup(cfg, { store, env });
      expect(b.tables).toMatchObject({ measurements_2024: expect.any(Number), measurements_2025_eu: expect.any(Number), measurements_other: expect.any(Number) });
      expect(b.tables.measurements).toBeUndefined(); // the parent holds no rows of its own

      const to = fx.variant === 'pglite' ? `pglite:${join(fx.dir(), `restored-${Date.now()}`)}` : `${fx.url().replace(/\/[^/]*$/, '')}/${cfg.database.name}_partrestore`;
      try {
        const r = await restoreSnapshot(cfg, { id: b.id, store, env, to });
        expect(r.restored).toBe(true);
        const after = await schemaFacts(await resolveConfig({ flags: { url: to }, env: {} }));
        // Loading the data does not fire the triggers again: the audit table has exactly its own rows.
        expect(after).toEqual(before);
      } finally {
        if (fx.variant === 'postgres') await dropPgDatabases(pgAdminUrl(), [`${cfg.database.name}_partrestore`]);
      }
    });
  },
  ['postgres', 'pglite'],
);
