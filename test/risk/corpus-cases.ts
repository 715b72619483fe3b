import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Engine } from '../../src/config/url.js';
import { SchemaMemory, analyseMigration, readSqlMigration, type RiskContext } from '../../src/risk/index.js';
import type { ExpectedSchema } from '../../src/schema/model.js';

export interface CorpusCase {
  name: string;
  engine: Engine;
  /** Absent: no database (production-sized); "small": --assume-small; else live row counts. */
  rows?: 'small' | Record<string, number>;
  /** SQL analysed first (an earlier migration) whose findings are ignored: it teaches the schema. */
  before?: string;
  sql: string;
  /** Expected expected-schema tables → columns. */
  expected?: Record<string, string[]>;
  /** `rule:level`, or `rule:level:accepted`. */
  expect: string[];
  /** Why eventdb differs from squawk here, where it does. */
  squawk?: string;
}

const dir = fileURLToPath(new URL('./corpus/', import.meta.url));

export function loadCorpus(): CorpusCase[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .flatMap((f) => {
      const doc = JSON.parse(readFileSync(dir + f, 'utf8')) as { engine: Engine; cases: Array<Omit<CorpusCase, 'engine'>> };
      return doc.cases.map((c) => ({ ...c, engine: doc.engine }));
    });
}

export function contextFor(c: CorpusCase): RiskContext {
  const expected: ExpectedSchema | undefined = c.expected
    ? { formatVersion: 1, rules: [], tables: Object.entries(c.expected).map(([name, cols]) => ({ name, required: true, primaryKey: [cols[0]!], columns: cols.map((n) => ({ name: n, family: 'text' as const, nullable: true, type: 'text' })) })) }
    : undefined;
  return {
    engine: c.engine,
    assumeSmall: c.rows === 'small',
    tableSizes: c.rows && c.rows !== 'small' ? new Map(Object.entries(c.rows)) : undefined,
    expected,
  };
}

/** Runs a case: `before` (ignored findings) then the case's SQL as one migration. Returns `rule:level[:accepted]`, sorted. */
export function runCase(c: CorpusCase): string[] {
  const ctx = contextFor(c);
  const memory = new SchemaMemory();
  if (c.before) analyseMigration(readSqlMigration('0000_before', c.before), ctx, { memory });
  const r = analyseMigration(readSqlMigration('0001_case', c.sql, 'case.sql'), ctx, { memory });
  return r.findings.map((f) => `${f.rule}:${f.level}${f.accepted ? ':accepted' : ''}`).sort();
}
