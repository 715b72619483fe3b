import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { createPgDatabase } from '../helpers/engines.js';
import { buildPagila, FIXTURES, pgCatalog, pgRows, pgStepTruth, psql, statementTable, WRITE_BLOCKING } from './helpers.js';

/*
 * pagila's pg_dump schema: domains (one with a non-ASCII name), an enum, plpgsql/SQL functions, an
 * aggregate, triggers, views, a materialized view WITH NO DATA, a range-partitioned table with
 * ATTACH PARTITION, sequences owned by columns. Replayed with psql (plus a few rows so the row
 * checksums compare data), then backed up and restored with eventdb; and linted as a migration.
 */
const ROWS = `
INSERT INTO public.country (country) VALUES ('Türkiye'), ('Portugal');
INSERT INTO public.city (city, country_id) SELECT 'İstanbul', country_id FROM public.country WHERE country = 'Türkiye';
INSERT INTO public.actor (first_name, last_name) VALUES ('PENELOPE', 'GUINESS'), ('NICK', 'WAHLBERG');
INSERT INTO public.category (name) VALUES ('Action'), ('Animation');
INSERT INTO public.language (name) VALUES ('English');
REFRESH MATERIALIZED VIEW public.rental_by_category;
`;

describe('pagila (pg_dump schema) [postgres]', () => {
  let dir = '';
  let src: Awaited<ReturnType<typeof createPgDatabase>>;
  let dst: Awaited<ReturnType<typeof createPgDatabase>>;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'eventdb-conf-pagila-'));
    [src, dst] = await Promise.all([createPgDatabase('eventdb_conf'), createPgDatabase('eventdb_conf')]);
    psql(src.url, readFileSync(join(FIXTURES, 'pagila', 'pagila-schema.sql'), 'utf8') + ROWS);
  });
  afterAll(async () => {
    await src?.drop();
    await dst?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('backup → restore --to a new database gives identical objects and rows', async () => {
    const before = await pgCatalog(src.url);
    for (const line of ['type: year d integer CHECK', 'type: mpaa_rating e', 'relation: payment p', 'relation: payment_p2022_01 r FOR VALUES FROM', 'relation: rental_by_category m', 'trigger: CREATE TRIGGER last_updated BEFORE UPDATE ON public.actor', 'function: a group_concat(text)', 'type: bıgınt d bigint']) {
      expect(before.some((l) => l.startsWith(line)), line).toBe(true);
    }
    const store = `file:${join(dir, 'store')}`;
    const b = await runCli(['backup', '--url', src.url, '--store', store, '--json'], { cwd: dir });
    expect(b.code, b.stderr).toBe(0);
    const r = await runCli(['restore', '--latest', '--url', src.url, '--to', dst.url, '--store', store, '--no-keep', '--json'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(await pgCatalog(dst.url, true)).toEqual(await pgCatalog(src.url, true));
    const rows = await pgRows(dst.url, true);
    expect(rows).toEqual(await pgRows(src.url, true));
    expect(rows.actor).toMatch(/^2 [0-9a-f]{32}$/);
  });

  it('migrate lint reads every statement of the dump (no unparsable-statement, no unsupported-statement)', async () => {
    buildPagila(join(dir, 'migrations'));
    const r = await runCli(['migrate', 'lint', join(dir, 'migrations'), '--engine', 'postgres', '--json'], { cwd: dir });
    expect([0, 1], r.stderr).toContain(r.code);
    const j = r.json<{ findings: Array<{ rule: string; statement: string }>; migrations: unknown[] }>();
    expect(j.migrations).toHaveLength(1);
    expect(j.findings.filter((f) => /^(unparsable|unsupported)-statement$/.test(f.rule)).map((f) => f.statement.slice(0, 120))).toEqual([]);
  });
});

// Issue 19: CREATE INDEX on a materialized view the same dump creates (WITH NO DATA) was flagged
// lock-index-build (high), "assumed production-sized". Every relation the dump creates is new.
describe('pagila: lint lock claims against PostgreSQL ground truth', () => {
  let dir = '';
  let db: Awaited<ReturnType<typeof createPgDatabase>>;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'eventdb-conf-kd-'));
    db = await createPgDatabase('eventdb_conf');
  });
  afterAll(async () => {
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });
  it('each lock claim on the dump names a table that existed before it and that PostgreSQL held against writes', async () => {
    buildPagila(join(dir, 'migrations'));
    const r = await runCli(['migrate', 'lint', join(dir, 'migrations'), '--engine', 'postgres', '--json'], { cwd: dir });
    expect([0, 1], r.stderr).toContain(r.code);
    const claims = r.json<{ findings: Array<{ rule: string; statement: string }> }>().findings.filter((f) => f.rule.startsWith('lock-'));
    const [truth] = await pgStepTruth(db.url, [readFileSync(join(FIXTURES, 'pagila', 'pagila-schema.sql'), 'utf8')]);
    expect(truth!.locks).toEqual({});
    expect(claims.filter((f) => !WRITE_BLOCKING.includes(truth!.locks[statementTable(f.statement) ?? ''] ?? '')).map((f) => `${f.rule}: ${f.statement}`)).toEqual([]);
  });
});
