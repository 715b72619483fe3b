import { beforeAll, describe, expect, it } from 'vitest';
import { RULES, loadParsers } from '../../src/risk/index.js';
import { loadCorpus, runCase } from './corpus-cases.js';

const corpus = loadCorpus();

beforeAll(async () => {
  await loadParsers();
});

describe('risk corpus', () => {
  it('has at least 60 cases, with safe ones on every engine', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(60);
    for (const engine of ['postgres', 'sqlite', 'duckdb']) {
      expect(corpus.filter((c) => c.engine === engine && c.expect.length === 0).length, engine).toBeGreaterThanOrEqual(2);
    }
  });

  it('covers every rule on every engine it applies to', () => {
    const missing: string[] = [];
    for (const [code, rule] of Object.entries(RULES)) {
      for (const engine of rule.engines) {
        if (!corpus.some((c) => c.engine === engine && c.expect.some((e) => e.startsWith(`${code}:`)))) missing.push(`${code} on ${engine}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it.each(corpus.map((c) => [`${c.engine}: ${c.name}`, c] as const))('%s', (_name, c) => {
    expect(runCase(c)).toEqual([...c.expect].sort());
  });
});
