import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { createPgDatabase } from '../helpers/engines.js';
import { buildKeto, type ConfEngine, pgStepTruth, statementTable, WRITE_BLOCKING } from './helpers.js';
import { type Source, lifecycle, lint, useDatabases } from './suite.js';

// ory/keto's migration history (popx: per-dialect up/down SQL files, empty files meaning "nothing here").
const EXPECT: Record<ConfEngine, string[]> = {
  postgres: ['relation: keto_relation_tuples r', 'relation: keto_uuid_mappings r', 'relation: networks r', 'constraint: keto_relation_tuples.keto_relation_tuples_nid_fk FOREIGN KEY (nid) REFERENCES networks(id) ON UPDATE RESTRICT ON DELETE CASCADE', 'index: CREATE INDEX keto_relation_tuples_uuid_full_idx'],
  sqlite: ['table keto_relation_tuples ', 'table keto_uuid_mappings ', 'table networks ', 'index keto_relation_tuples_uuid_full_idx '],
};

for (const engine of ['postgres', 'sqlite'] as ConfEngine[]) {
  const src: Source = { name: `keto-${engine}`, engine, build: (dir) => buildKeto(engine, dir), reversible: true, expect: EXPECT[engine] };
  describe(`ory/keto migrations [${engine}]`, () => {
    const db = useDatabases(src);
    lifecycle(src, db);
    lint(src, db, engine === 'sqlite' ? ['unparsable-statement', 'unsupported-statement'] : ['unparsable-statement']);
  });
}

interface LintFinding {
  rule: string;
  level: string;
  migration: string;
  direction: string;
  statement: string;
}

describe('ory/keto: lint claims against PostgreSQL ground truth', () => {
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
    const built = buildKeto('postgres', join(dir, 'migrations'));
    const r = await runCli(['migrate', 'lint', join(dir, 'migrations'), '--engine', 'postgres', '--json'], { cwd: dir });
    const findings = r.json<{ findings: LintFinding[] }>().findings.filter((f) => f.direction === 'up');
    const truth = await pgStepTruth(db.url, built.ups);
    const claims = (i: number) => findings.filter((f) => f.migration === built.ids[i]);
    // Rewrites: lint says rewrite-* exactly where PostgreSQL gave an existing table a new relfilenode.
    const said = built.ids.map((_, i) => claims(i).some((f) => f.rule.startsWith('rewrite-')));
    expect(said).toEqual(truth.map((t) => t.rewritten.length > 0));
    // Lock claims: the named table existed and was held in a mode that blocks writes.
    const lockClaims = findings.filter((f) => f.rule.startsWith('lock-'));
    expect(lockClaims.length).toBeGreaterThan(0);
    for (const f of lockClaims) {
      const i = built.ids.indexOf(f.migration);
      const table = statementTable(f.statement);
      expect(WRITE_BLOCKING, `${f.migration} ${f.rule} ${table}`).toContain(truth[i]!.locks[table ?? '']);
    }
    // (A step that only takes a brief write-blocking lock — a new table's foreign key locks the referenced
    // table; DROP CONSTRAINT — is not flagged, and need not be: nothing is scanned or rewritten under it.)
  });
});
