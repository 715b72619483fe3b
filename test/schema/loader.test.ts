import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EventdbError } from '../../src/errors.js';
import { loadExpectedSchema } from '../../src/schema/loader.js';
import { SCHEMA_DIR } from './apply-platform.js';

const root = mkdtempSync(join(tmpdir(), 'eventdb-schema-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
function mk(files: Record<string, string>): string {
  const dir = join(root, `s${++n}`);
  mkdirSync(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const valid = () => ({
  formatVersion: 1,
  tables: [
    { name: 'users', required: true, primaryKey: ['id'], columns: [{ name: 'id', family: 'integer', nullable: false, type: 'bigint' }, { name: 'email', family: 'text', nullable: false, type: { postgres: 'text', sqlite: 'text' } }] },
    { name: 'events', required: true, primaryKey: ['id'], columns: [{ name: 'id', family: 'integer', nullable: false, type: 'bigint' }, { name: 'owner_id', family: 'integer', nullable: true, type: 'bigint' }], foreignKeys: [{ columns: ['owner_id'], references: { table: 'users', columns: ['id'] }, onDelete: 'SET NULL' }] },
  ],
  rules: [],
});

async function failure(dir: string): Promise<EventdbError> {
  const e = await loadExpectedSchema(dir).then(() => undefined, (x: unknown) => x);
  expect(e).toBeInstanceOf(EventdbError);
  return e as EventdbError;
}

describe('loadExpectedSchema', () => {
  it('loads the platform declaration from schema/index.ts', async () => {
    const s = await loadExpectedSchema(SCHEMA_DIR);
    expect(s.formatVersion).toBe(1);
    expect(s.tables.map((t) => t.name)).toContain('registrations');
    expect(s.tables.find((t) => t.name === 'visitor_sessions')?.required).toBe(false);
    expect(s.rules.map((r) => r.kind)).toEqual(expect.arrayContaining(['orphans', 'capacity', 'duplicates', 'negative']));
    expect(s.notes?.duckdb?.join(' ')).toMatch(/no triggers/);
  });

  it('loads a JSON declaration and a TS one with a default export', async () => {
    expect((await loadExpectedSchema(mk({ 'schema.json': JSON.stringify(valid()) }))).tables).toHaveLength(2);
    const ts = `const s: { formatVersion: 1 } & Record<string, unknown> = ${JSON.stringify(valid())};\nexport default s;\n`;
    expect((await loadExpectedSchema(mk({ 'index.ts': ts }))).tables[1]!.foreignKeys?.[0]?.onDelete).toBe('SET NULL');
  });

  it('names the file and the path of a bad type family', async () => {
    const s = valid();
    (s.tables[1]!.columns[1] as Record<string, unknown>).family = 'texty';
    const dir = mk({ 'schema.json': JSON.stringify(s) });
    const e = await failure(dir);
    expect(e.code).toBe('SCHEMA_INVALID');
    expect(e.exitCode).toBe(2);
    expect(e.message).toBe(`${join(dir, 'schema.json')}: tables[1].columns[1].family: "texty" is not a type family (integer, decimal, float, text, boolean, timestamp, timestamptz, date, time, interval, json, uuid, binary, array, other)`);
    expect(e.hint).toMatch(/fix tables\[1\]\.columns\[1\]\.family/);
  });

  it('refuses cross-reference mistakes with their path', async () => {
    const cases: Array<[(s: ReturnType<typeof valid>) => void, RegExp]> = [
      [(s) => ((s.tables[1]!.foreignKeys![0]!.references as { table: string }).table = 'people'), /tables\[1\]\.foreignKeys\[0\]\.references\.table: "people" is not a declared table$/],
      [(s) => (s.tables[0]!.primaryKey = ['uid']), /tables\[0\]\.primaryKey\[0\]: "uid" is not a column of users$/],
      [(s) => ((s.tables[0] as Record<string, unknown>).indexes = [{ name: 'users_seen', columns: ['last_seen DESC'], unique: false }]), /tables\[0\]\.indexes\[0\]\.columns\[0\]: "last_seen" is not a column of users$/],
      [(s) => ((s.tables[0] as Record<string, unknown>).indexes = [{ name: 'users_cover', columns: ['id'], unique: false, include: ['nickname'] }]), /tables\[0\]\.indexes\[0\]\.include\[0\]: "nickname" is not a column of users$/],
      [(s) => ((s.tables[0]!.columns[1] as Record<string, unknown>).nullable = 'no'), /tables\[0\]\.columns\[1\]\.nullable: must be true or false, got "no"$/],
      [(s) => ((s.tables[0]!.columns[1] as Record<string, unknown>).type = { oracle: 'x' }), /tables\[0\]\.columns\[1\]\.type\.oracle: "oracle" is not an engine/],
      [(s) => s.tables.push(s.tables[0]!), /tables\[2\]\.name: table "users" is declared twice$/],
      [(s) => ((s as Record<string, unknown>).formatVersion = 2), /formatVersion: must be 1, got number 2$/],
      [(s) => ((s as Record<string, unknown>).rules = [{ name: 'r', kind: 'capacity', description: 'd', table: 'nope', sql: 'select 1 as key', level: 'error' }]), /rules\[0\]\.table: "nope" is not a declared table$/],
    ];
    for (const [mutate, re] of cases) {
      const s = valid();
      mutate(s);
      const e = await failure(mk({ 'schema.json': JSON.stringify(s) }));
      expect(e.code).toBe('SCHEMA_INVALID');
      expect(e.message).toMatch(re);
      expect(e.message).not.toContain('\n');
    }
  });

  it('reports a TS file that does not load, a JSON syntax error, and a missing folder', async () => {
    const broken = mk({ 'index.ts': 'export default { formatVersion: 1, tables: [ ;\n' });
    const e1 = await failure(broken);
    expect(e1.code).toBe('SCHEMA_INVALID');
    expect(e1.message).toContain(`cannot load ${join(broken, 'index.ts')}`);
    const e2 = await failure(mk({ 'schema.json': '{ "formatVersion": 1,' }));
    expect(e2.code).toBe('SCHEMA_INVALID');
    expect(e2.message).toContain('schema.json: ');
    const e3 = await failure(join(root, 'absent'));
    expect(e3.code).toBe('NO_SCHEMA_DIR');
    expect(e3.exitCode).toBe(2);
    expect(e3.hint).toMatch(/eventdb init/);
  });
});
