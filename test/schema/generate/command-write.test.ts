import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../../src/config/url.js';
import { EventdbError } from '../../../src/errors.js';
import { loadMigrations } from '../../../src/migrations/loader.js';
import { parseSqlMigration } from '../../../src/migrations/sql-file.js';
import { parseColumnRename, parseTableRename } from '../../../src/schema/generate/command.js';
import { groupSteps, layoutMigrations, nextIds, writeMigrations, type StepLike } from '../../../src/schema/generate/write.js';

const root = mkdtempSync(join(tmpdir(), 'eventdb-diff-write-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = () => {
  const d = join(root, `d${++n}`);
  mkdirSync(d);
  return d;
};

const tx = (up: string[], down: string[]): StepLike => ({ up, down, transaction: true });
const ALL: Engine[] = ['postgres', 'sqlite', 'duckdb'];

describe('migrate diff: laying out and writing migrations', () => {
  it('the same SQL on every engine is one portable file, with up and down in inverse order', () => {
    const steps = [tx(['CREATE TABLE a (id integer primary key)'], ['DROP TABLE a']), tx(['ALTER TABLE a ADD COLUMN b text'], ['ALTER TABLE a DROP COLUMN b'])];
    const files = layoutMigrations(['0003_x'], new Map(ALL.map((e) => [e, steps])), true, 'x');
    expect(files.map((f) => f.name)).toEqual(['0003_x.sql']);
    const parsed = parseSqlMigration(files[0]!.text, files[0]!.name);
    expect(parsed.transaction).toBe(true);
    expect(parsed.description).toBe('x');
    expect(parsed.up).toBe('CREATE TABLE a (id integer primary key);\nALTER TABLE a ADD COLUMN b text;');
    expect(parsed.down).toBe('ALTER TABLE a DROP COLUMN b;\nDROP TABLE a;');
  });

  it('SQL that differs gives engine variants; a no-transaction step is its own migration, a no-op on the other engines', () => {
    const pg = [tx(['CREATE TABLE a (id integer)'], ['DROP TABLE a']), { up: ['CREATE INDEX CONCURRENTLY a_id ON a (id)'], down: ['DROP INDEX CONCURRENTLY a_id'], transaction: false }];
    const other = [tx(['CREATE TABLE a (id integer)', 'CREATE INDEX a_id ON a (id)'], ['DROP INDEX a_id', 'DROP TABLE a'])];
    const files = layoutMigrations(['0002_i', '0003_i'], new Map<Engine, StepLike[]>([['postgres', pg], ['sqlite', other], ['duckdb', other]]), true, 'i');
    expect(files.map((f) => f.name)).toEqual(['0002_i.postgres.sql', '0002_i.sqlite.sql', '0002_i.duckdb.sql', '0003_i.postgres.sql', '0003_i.sqlite.sql', '0003_i.duckdb.sql']);
    const conc = parseSqlMigration(files[3]!.text, 'f');
    expect(conc.transaction).toBe(false);
    expect(conc.up).toBe('CREATE INDEX CONCURRENTLY a_id ON a (id);');
    expect(conc.down).toBe('DROP INDEX CONCURRENTLY a_id;');
    const noop = parseSqlMigration(files[4]!.text, 'f');
    expect(noop.noop).toBe(true);
    expect(noop.down).toBe('');
  });

  it('when not every engine of the schema was planned, even identical SQL is written as variants', () => {
    const steps = [tx(['CREATE TABLE a (id integer)'], ['DROP TABLE a'])];
    const files = layoutMigrations(['0001_a'], new Map<Engine, StepLike[]>([['sqlite', steps], ['duckdb', steps]]), false, 'a');
    expect(files.map((f) => f.name)).toEqual(['0001_a.sqlite.sql', '0001_a.duckdb.sql']);
  });

  it('groups consecutive transactional steps, skips empty ones, and starts a new migration at a step with nothing to undo (VALIDATE)', () => {
    const nt = { up: ['x'], down: ['y'], transaction: false };
    const groups = groupSteps([tx(['a'], ['A']), tx([], []), tx(['b'], ['B']), tx(['validate'], []), tx(['d'], ['D']), nt, tx(['c'], ['C'])]);
    expect(groups.map((g) => g.map((s) => s.up[0]))).toEqual([['a', 'b'], ['validate', 'd'], ['x'], ['c']]);
  });

  it('continues the numbering of the folder: width kept, timestamps continued, 0001 in an empty folder', () => {
    const d = fresh();
    expect(nextIds(d, 'x', 2)).toEqual(['0001_x', '0002_x']);
    writeFileSync(join(d, '009_a.sql'), '-- eventdb:up\nselect 1;\n');
    writeFileSync(join(d, '010_b.postgres.sql'), '-- eventdb:up\nselect 1;\n');
    expect(nextIds(d, 'x', 1)).toEqual(['011_x']);
    const t = fresh();
    writeFileSync(join(t, '20990101000000_a.sql'), '-- eventdb:up\nselect 1;\n');
    expect(nextIds(t, 'x', 2, new Date('2026-11-30T06:00:00Z'))).toEqual(['20990101000001_x', '20990101000002_x']);
    expect(nextIds(fresh(), 'x', 1)[0]).toBe('0001_x');
    const u = fresh();
    writeFileSync(join(u, '20200101000000_a.sql'), '-- eventdb:up\nselect 1;\n');
    expect(nextIds(u, 'x', 1, new Date('2026-11-30T06:00:00Z'))).toEqual(['20261130060000_x']);
  });

  it('writes files the loader reads for every engine', async () => {
    const d = fresh();
    const pg = [tx(['CREATE TABLE a (id integer)'], ['DROP TABLE a']), { up: ['CREATE INDEX CONCURRENTLY a_id ON a (id)'], down: ['DROP INDEX CONCURRENTLY a_id'], transaction: false }];
    const other = [tx(['CREATE TABLE a (id integer)'], ['DROP TABLE a'])];
    const files = layoutMigrations(['0001_a', '0002_a'], new Map<Engine, StepLike[]>([['postgres', pg], ['sqlite', other], ['duckdb', other]]), true, 'a');
    const written = writeMigrations(d, files);
    expect(written).toHaveLength(4);
    for (const e of ALL) {
      const ms = await loadMigrations(d, e);
      expect(ms.map((m) => m.id)).toEqual(['0001_a', '0002_a']);
      expect(ms[1]!.transaction).toBe(e !== 'postgres');
    }
  });

  it('refuses to overwrite a file: DIFF_EXISTS, nothing written', () => {
    const d = fresh();
    writeFileSync(join(d, '0001_a.sqlite.sql'), 'mine');
    const files = layoutMigrations(['0001_a'], new Map<Engine, StepLike[]>([['postgres', [tx(['select 1'], [])]], ['sqlite', [tx(['select 2'], [])]]]), false, 'a');
    let err: unknown;
    try {
      writeMigrations(d, files);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(EventdbError);
    expect((err as EventdbError).code).toBe('DIFF_EXISTS');
    expect((err as EventdbError).message).toContain('0001_a.sqlite.sql already exists; nothing was written');
    expect((err as EventdbError).exitCode).toBe(2);
    expect(readdirSync(d)).toEqual(['0001_a.sqlite.sql']);
    expect(readFileSync(join(d, '0001_a.sqlite.sql'), 'utf8')).toBe('mine');
  });

  it('parses --rename and --rename-table, and refuses malformed values with a hint', () => {
    expect(parseColumnRename('users.fullname:display_name')).toEqual({ table: 'users', from: 'fullname', to: 'display_name' });
    expect(parseTableRename('attendees:participants')).toEqual({ table: 'participants', fromTable: 'attendees' });
    expect(() => parseColumnRename('users:x')).toThrow(/--rename users:x: expected table.old:new/);
    expect(() => parseTableRename('a.b:c')).toThrow(/--rename-table a.b:c: expected old:new/);
  });
});
