import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyseMigration, loadParsers, readSqlMigration, SchemaMemory } from '../../src/risk/index.js';
import { FIXTURES } from '../conformance/helpers.js';

/*
 * eugene's examples (test/fixtures/eugene-examples: kaaveland/eugene's eugene/examples, MIT): for each of
 * its hints a bad.sql and a good.sql, each a short history of scripts (`-- 1.sql`, `-- 2.sql` …). Each
 * script is linted as an eventdb PostgreSQL migration, in order, with what the earlier ones taught
 * (as `migrate lint` reads a folder); a script with CONCURRENTLY runs outside a transaction, as eugene
 * runs it. Expected: eventdb's findings per script. Where eventdb's reading differs from eugene's, real
 * PostgreSQL decided (test/risk/pg-constraint-locks.test.ts, partial-index-fk.test.ts). Outside
 * eventdb's scope: E3 (json equality), E4/E10 (statements after an ACCESS EXCLUSIVE lock), E9
 * (lock_timeout), W12 (several ALTERs), W13 (enums).
 */
const DIR = join(FIXTURES, 'eugene-examples');

const EXPECTED: Record<string, string[]> = {
  'E1/bad': ['2:lock-check-validation'],
  'E1/good': [],
  'E2/bad': ['2:lock-set-not-null'],
  'E2/good': [],
  'E5/bad': ['2:rewrite-column-type'],
  'E5/good': ['3:loss-update-without-where', '3:txn-ddl-with-large-dml', '4:compat-rename-column', '4:loss-drop-column'],
  'E6/bad': ['2:lock-index-build'],
  'E6/good': [],
  'E7/bad': ['2:lock-index-build'],
  'E7/good': [],
  'E8/bad': ['2:lock-index-build'],
  'E11/bad': ['2:rewrite-volatile-default'],
  'E15/bad': ['1:fk-without-index', '2:lock-index-build'],
  'E15/good': ['1:fk-without-index', '2:lock-index-build'],
  'W14/bad': ['3:lock-set-not-null'],
  'W14/good': ['3:lock-set-not-null'],
};

/** The rules eventdb reports for each script of one example, as `step:rule`. */
function lint(example: string): string[] {
  const text = readFileSync(join(DIR, `${example}.sql`), 'utf8');
  const parts = text.split(/^-- (\d+)\.sql\s*$/m);
  const memory = new SchemaMemory();
  const out: string[] = [];
  for (let i = 1; i < parts.length; i += 2) {
    const body = parts[i + 1]!.trim();
    const header = /\bconcurrently\b/i.test(body) ? '-- eventdb:no-transaction\n' : '';
    const r = analyseMigration(readSqlMigration(`000${parts[i]}_step`, `${header}-- eventdb:up\n${body}\n`, `${parts[i]}.sql`), { engine: 'postgres' }, { memory });
    out.push(...new Set(r.findings.map((f) => `${parts[i]}:${f.rule}`)));
  }
  return out.sort();
}

beforeAll(() => loadParsers(['postgres']));

describe("eugene's examples", () => {
  it('every example in scope is in the table', () => {
    const all = readdirSync(DIR, { withFileTypes: true }).filter((d) => d.isDirectory()).flatMap((d) => readdirSync(join(DIR, d.name)).map((f) => `${d.name}/${f.replace(/\.sql$/, '')}`));
    const outside = /^(E3|E4|E9|E10|W12|W13)\//;
    expect(all.filter((e) => !outside.test(e)).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const [example, expected] of Object.entries(EXPECTED)) {
    it(`${example}: ${expected.length ? expected.join(', ') : 'no findings'}`, () => {
      expect(lint(example)).toEqual([...expected].sort());
    });
  }
});
