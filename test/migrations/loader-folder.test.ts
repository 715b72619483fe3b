import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readMigrationFile } from '../../src/migrations/checksum.js';
import { scanMigrations } from '../../src/migrations/loader.js';

// What the loader reads from a folder (#18: regular files are taken from the folder listing without a
// stat each): links followed, folders skipped, every file in ID order with the checksum of its bytes, and
// the problems in ID order.

let root: string;
let dir: string;
const pad = (i: number) => String(i).padStart(4, '0');

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'eventdb-loader-folder-'));
  dir = join(root, 'migrations');
  mkdirSync(dir);
  for (let i = 1; i <= 45; i++) {
    if (i === 12) continue; // written as a link below
    writeFileSync(join(dir, `${pad(i)}_t${i}.sql`), `-- eventdb:up\ncreate table t${i} (id integer primary key);\n-- eventdb:down\ndrop table t${i};\n`);
  }
  // A link to a file elsewhere is read as a migration; a folder named like one is not.
  const outside = join(root, 'shared.sql');
  writeFileSync(outside, '-- eventdb:up\ncreate table t12 (id integer primary key);\n');
  symlinkSync(outside, join(dir, `${pad(12)}_t12.sql`));
  mkdirSync(join(dir, '0046_not_a_file.sql'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('reading a folder of migrations', () => {
  it('reads every file, links followed and folders skipped, in ID order with the checksum of its bytes', async () => {
    const r = await scanMigrations(dir, 'sqlite');
    expect(r.problems).toEqual([]);
    expect(r.migrations.map((m) => m.id)).toEqual(Array.from({ length: 45 }, (_, i) => `${pad(i + 1)}_t${i + 1}`));
    for (const m of r.migrations) expect(m.checksum).toBe(readMigrationFile(m.file).checksum);
    expect(r.migrations[11]!.sql?.up).toContain('create table t12');
    expect(r.migrations[11]!.hasDown).toBe(false);
  });

  it('reports the problems in ID order', async () => {
    const bad = join(root, 'bad');
    mkdirSync(bad);
    for (let i = 1; i <= 40; i++) writeFileSync(join(bad, `${pad(i)}_m${i}.sql`), `-- eventdb:up\nselect ${i};\n`);
    writeFileSync(join(bad, `${pad(5)}_m5.sqlite.sql`), '-- eventdb:up\nselect 5;\n'); // beside 0005_m5.sql: fine (the variant wins)
    writeFileSync(join(bad, `${pad(7)}_m7.mjs`), 'export async function up() {}\n'); // a second 0007_m7 for every engine
    writeFileSync(join(bad, `${pad(20)}_m20.sql`), Buffer.from([0x2d, 0x2d, 0x20, 0x65, 0x76, 0x0a, 0xff, 0x0a])); // not UTF-8
    writeFileSync(join(bad, `${pad(41)}_only_pg.postgres.sql`), '-- eventdb:up\nselect 41;\n');
    writeFileSync(join(bad, `${pad(42)}_empty.sql`), '');
    const r = await scanMigrations(bad, 'sqlite');
    expect(r.problems.map((p) => p.code)).toEqual(['DUPLICATE_ID', 'MIGRATION_INVALID', 'NO_VARIANT', 'EMPTY_MIGRATION']);
    expect(r.problems[0]!.message).toContain('duplicate migration ID 0007_m7');
    expect(r.problems[1]!.message).toBe(`${join(bad, '0020_m20.sql')}:2:1: not valid UTF-8 (byte 0xff)`);
    expect(r.problems[2]!.message).toContain('migration 0041_only_pg has no file for sqlite');
    expect(r.problems[3]!.message).toContain('0042_empty.sql');
    expect(r.migrations.map((m) => m.id)).toHaveLength(38);
    expect(r.migrations.find((m) => m.id === '0005_m5')!.variant).toBe('sqlite');
  });
});
