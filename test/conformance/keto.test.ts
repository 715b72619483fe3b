import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import Database from 'better-sqlite3';
import { buildKeto, type ConfEngine, sqliteRows } from './helpers.js';
import { type LintFinding, type Source, lifecycle, lint, lintTruth, useDatabases } from './suite.js';

// ory/keto's migration history (popx: per-dialect up/down SQL files, empty files meaning "nothing here").
const EXPECT: Record<ConfEngine, string[]> = {
  postgres: ['relation: keto_relation_tuples r', 'relation: keto_uuid_mappings r', 'relation: networks r', 'constraint: keto_relation_tuples.keto_relation_tuples_nid_fk FOREIGN KEY (nid) REFERENCES networks(id) ON UPDATE RESTRICT ON DELETE CASCADE', 'index: CREATE INDEX keto_relation_tuples_uuid_full_idx'],
  sqlite: ['table keto_relation_tuples ', 'table keto_uuid_mappings ', 'table networks ', 'index keto_relation_tuples_uuid_full_idx '],
};

for (const engine of ['postgres', 'sqlite'] as ConfEngine[]) {
  const src: Source = { name: `keto-${engine}`, engine, build: (dir) => buildKeto(engine, dir), reversible: true, expect: EXPECT[engine] };
  describe(`ory/keto migrations [${engine}]`, () => {
    const db = useDatabases(src);
    it('keeps the empty files of the source as empty sections: up literally empty, down marked `-- eventdb:noop` (no stand-in statement)', () => {
      const files = readdirSync(db().migrations).map((f) => readFileSync(join(db().migrations, f), 'utf8'));
      expect(files.filter((t) => /^-- eventdb:up\n(?:--(?! eventdb:)[^\n]*\n|\s)*(?:-- eventdb:down|$)/.test(t)).length).toBeGreaterThan(0);
      expect(files.filter((t) => /-- eventdb:down\n-- eventdb:noop\b/.test(t)).length).toBeGreaterThan(0);
      expect(files.filter((t) => /SELECT 1;/.test(t))).toEqual([]);
    });
    lifecycle(src, db);
    lint(src, db, engine === 'sqlite' ? ['unparsable-statement', 'unsupported-statement'] : ['unparsable-statement']);
    it('lint: a table rebuilt under its own name (renamed aside, re-created, copied, dropped) is no compat-rename-table; a real rename is', async () => {
      const r = await runCli(['migrate', 'lint', db().migrations, '--engine', engine, '--json'], { cwd: db().dir });
      const renames = r.json<{ findings: LintFinding[] }>().findings.filter((f) => f.rule === 'compat-rename-table');
      // Only keto_relation_tuples_uuid → keto_relation_tuples (and back): deployed code of the release before reads the old name.
      expect(renames.map((f) => `${f.migration} ${f.direction}: ${f.statement}`)).toEqual([
        '20220513200600000001_drop-old-non-uuid-table up: ALTER TABLE keto_relation_tuples_uuid RENAME TO keto_relation_tuples',
        '20220513200600000001_drop-old-non-uuid-table down: ALTER TABLE keto_relation_tuples RENAME TO keto_relation_tuples_uuid',
      ]);
      if (engine === 'sqlite') {
        // The rebuilds are still reported, as what they cost: every row rewritten under the write lock.
        const rebuilds = r.json<{ findings: LintFinding[] }>().findings.filter((f) => f.rule === 'rewrite-sqlite-rebuild' && f.direction === 'up').map((f) => f.migration);
        expect(rebuilds).toEqual(expect.arrayContaining(['20220513200400000001_uuid-mapping-remove-check', '20230228091200000000_add-on-delete-cascade-to-relationship']));
      }
    });
  });
}

// keto's downs are not replayed: only the up claims are checked.
lintTruth('ory/keto', (dir) => buildKeto('postgres', dir), { upOnly: true });

/** Rows written by keto's current schema: one network, a tuple of each subject kind, a UUID mapping. */
const KETO_ROWS = `
INSERT INTO networks (id, created_at, updated_at) VALUES ('8e1b2a3c-0000-4000-8000-000000000001', '2024-01-01 00:00:00', '2024-01-01 00:00:00');
INSERT INTO keto_uuid_mappings (id, string_representation) VALUES ('8e1b2a3c-0000-4000-8000-0000000000aa', 'user:alice');
INSERT INTO keto_relation_tuples (shard_id, nid, namespace, object, relation, subject_id, subject_set_namespace, subject_set_object, subject_set_relation, commit_time) VALUES
  ('8e1b2a3c-0000-4000-8000-000000000011', '8e1b2a3c-0000-4000-8000-000000000001', 'files', '8e1b2a3c-0000-4000-8000-0000000000b1', 'view', '8e1b2a3c-0000-4000-8000-0000000000aa', NULL, NULL, NULL, '2024-01-02 00:00:00'),
  ('8e1b2a3c-0000-4000-8000-000000000012', '8e1b2a3c-0000-4000-8000-000000000001', 'files', '8e1b2a3c-0000-4000-8000-0000000000b2', 'view', NULL, 'groups', '8e1b2a3c-0000-4000-8000-0000000000c1', 'member', '2024-01-03 00:00:00');
`;

describe('ory/keto [sqlite]: rows survive the table rebuild (rename, create, copy, drop) and its rollback', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'eventdb-conf-ketorows-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('up to the step before the rebuild, write rows, up (rebuild), rollback (rebuild back), up: the same rows each time', async () => {
    const built = buildKeto('sqlite', join(dir, 'migrations'));
    const file = join(dir, 'keto.sqlite');
    const args = ['--url', `sqlite:${file}`, '--migrations', join(dir, 'migrations')];
    const rebuild = built.ids.at(-1)!;
    expect(rebuild).toBe('20230228091200000000_add-on-delete-cascade-to-relationship');
    expect((await runCli(['migrate', 'up', '--to', built.ids.at(-2)!, ...args], { cwd: dir })).code).toBe(0);
    const db = new Database(file);
    db.exec(KETO_ROWS);
    db.close();
    const rows = sqliteRows(file);
    expect(rows.keto_relation_tuples).toMatch(/^2 /);
    for (const step of [['migrate', 'up'], ['rollback', '1'], ['migrate', 'up']]) {
      const r = await runCli([...step, ...args], { cwd: dir });
      expect(r.code, r.stderr).toBe(0);
      expect(sqliteRows(file), step.join(' ')).toEqual(rows);
    }
  });
});

// Issue 19: a fresh install in production was refused (exit 5) for compat-rename-table (high) on
// SQLite's rebuild (rename aside, create under the old name, copy, drop) and on renaming
// keto_relation_tuples_uuid, which an earlier migration of the same plan creates.
for (const engine of ['postgres', 'sqlite'] as ConfEngine[]) {
  describe(`ory/keto fresh install in production [${engine}]`, () => {
    const src: Source = { name: `keto-prod-${engine}`, engine, build: (dir) => buildKeto(engine, dir), reversible: true, expect: [] };
    const db = useDatabases(src);
    it('the production gate lets a fresh install through: no compat-rename-table for a table the plan itself creates or rebuilds under the same name', async () => {
      const args = ['--env', 'production', '--url', db().migrated, '--migrations', db().migrations, '--json'];
      const forced = await runCli(['migrate', 'up', '--dry-run', '--force', ...args], { cwd: db().dir });
      expect(forced.code, forced.stderr).toBe(0);
      expect(forced.json().findings.filter((f: { rule: string }) => f.rule === 'compat-rename-table').map((f: { statement: string }) => f.statement)).toEqual([]);
      const r = await runCli(['migrate', 'up', '--dry-run', ...args], { cwd: db().dir });
      expect(r.code, r.stderr).toBe(0);
      const up = await runCli(['migrate', 'up', ...args], { cwd: db().dir });
      expect(up.code, up.stderr).toBe(0);
      expect(up.json().applied.map((m: { id: string }) => m.id)).toEqual(db().built.ids);
    });
  });
}
