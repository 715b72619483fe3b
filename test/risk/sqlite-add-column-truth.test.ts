import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadParsers } from '../../src/risk/index.js';
import { loadCorpus, runCase } from './corpus-cases.js';

/*
 * SQLite refuses some ADD COLUMNs only when the table has rows (sqlite3ErrorIfNotEmpty): NOT NULL
 * without a default, and a REFERENCES column with a non-NULL default while foreign keys are on (eventdb
 * turns them on). Here the SQLite eventdb runs (better-sqlite3's) is the judge: each case runs on a
 * database whose tables hold the rows the case says (3 when it says none: lint then assumes a table
 * with rows), and the migration fails exactly when lint says critical.
 */
const CASES = [
  'NOT NULL column without default passes on an empty table, and says so',
  'NOT NULL column without default fails on a table with rows',
  'NOT NULL column without default on a table the migration creates (safe)',
  'REFERENCES column with a non-NULL default fails on a table with rows',
  'REFERENCES column without a default (safe but for its index)',
];
const corpus = loadCorpus().filter((c) => c.engine === 'sqlite' && CASES.includes(c.name));

beforeAll(() => loadParsers(['sqlite']));

function fails(c: (typeof corpus)[number]): boolean {
  const db = new Database(':memory:');
  try {
    db.pragma('foreign_keys = ON');
    db.exec('CREATE TABLE venues (id INTEGER PRIMARY KEY); CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT)');
    const rows = c.rows === undefined ? 3 : (c.rows as Record<string, number>).users ?? 3;
    for (let i = 1; i <= rows; i++) db.prepare('INSERT INTO users (id, email) VALUES (?, ?)').run(i, `u${i}`);
    db.exec(c.sql);
    return false;
  } catch {
    return true;
  } finally {
    db.close();
  }
}

describe('SQLite ADD COLUMN refused on a table with rows: lint against SQLite', () => {
  it('every listed case is in the corpus, with both outcomes', () => {
    expect(corpus.map((c) => c.name).sort()).toEqual([...CASES].sort());
    expect(corpus.filter(fails).length).toBeGreaterThanOrEqual(2);
    expect(corpus.filter((c) => !fails(c)).length).toBeGreaterThanOrEqual(2);
  });

  it.each(corpus.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    expect(fails(c)).toBe(runCase(c).some((f) => f.endsWith(':critical')));
  });
});
