import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { createPgDatabase } from '../helpers/engines.js';
import { buildUmami, pgStepTruth, psql, statementTable, WRITE_BLOCKING } from './helpers.js';
import { type Source, lifecycle, lint, useDatabases } from './suite.js';

// umami's Prisma Migrate history (PostgreSQL, forward only): renames, index rebuilds, data conversions.
const src: Source = {
  name: 'umami',
  engine: 'postgres',
  build: buildUmami,
  reversible: false,
  // 01_init inserts the admin user; its created_at is the clock's.
  settle: (url) => psql(url, `UPDATE "user" SET created_at = '2024-01-01 00:00:00+00' WHERE username = 'admin'`),
  expect: ['relation: website_event r', 'relation: session_replay_saved r', 'index: CREATE INDEX website_event_website_id_created_at_tag_idx', 'constraint: report.report_pkey PRIMARY KEY (report_id)'],
};

interface LintFinding {
  rule: string;
  level: string;
  migration: string;
  direction: string;
  statement: string;
}

describe('umami migrations [postgres]', () => {
  const db = useDatabases(src);
  lifecycle(src, db);
  lint(src, db);
});

describe('umami: lint claims against PostgreSQL ground truth', () => {
  let dir = '';
  let db: Awaited<ReturnType<typeof createPgDatabase>>;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'eventdb-conf-truth-'));
    db = await createPgDatabase('eventdb_conf');
  });
  afterAll(async () => {
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('rewrite claims match relfilenode changes; each lock claim names an existing table PostgreSQL really held in a write-blocking mode', async () => {
    const built = buildUmami(join(dir, 'migrations'));
    const r = await runCli(['migrate', 'lint', join(dir, 'migrations'), '--engine', 'postgres', '--json'], { cwd: dir });
    const findings = r.json<{ findings: LintFinding[] }>().findings;
    const truth = await pgStepTruth(db.url, built.ups);
    const claims = (i: number) => findings.filter((f) => f.migration === built.ids[i]);
    const said = built.ids.map((_, i) => claims(i).some((f) => f.rule.startsWith('rewrite-')));
    expect(said).toEqual(truth.map((t) => t.rewritten.length > 0));
    expect(said.filter(Boolean).length).toBeGreaterThan(0);
    const lockClaims = findings.filter((f) => f.rule.startsWith('lock-'));
    expect(lockClaims.length).toBeGreaterThan(0);
    for (const f of lockClaims) {
      const i = built.ids.indexOf(f.migration);
      const table = statementTable(f.statement);
      if (table === undefined) continue; // DROP INDEX names no table
      expect(WRITE_BLOCKING, `${f.migration} ${f.rule} ${table}`).toContain(truth[i]!.locks[table]);
    }
  });
});
