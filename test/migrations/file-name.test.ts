import { describe, expect, it } from 'vitest';
import { parseFileName, splitMigrationFileName } from '../../src/migrations/file-name.js';
import { fileIdentity } from '../../src/risk/lint.js';

describe('one migration file-name grammar (loader and lint)', () => {
  it('reads ID, engine variant and kind', () => {
    expect(parseFileName('0009_x.postgres.sql')).toEqual({ id: '0009_x', variant: 'postgres', kind: 'sql' });
    expect(parseFileName('0009_x.sql')).toEqual({ id: '0009_x', variant: 'portable', kind: 'sql' });
    expect(parseFileName('0010_y.duckdb.mts')).toEqual({ id: '0010_y', variant: 'duckdb', kind: 'ts' });
    expect(parseFileName('0011_z.v2.ts')).toEqual({ id: '0011_z.v2', variant: 'portable', kind: 'ts' });
  });
  it('the loader skips hidden, helper, declaration and other files; lint still reads a helper it is given', () => {
    for (const n of ['.0001_a.sql', '_helpers.ts', 'types.d.ts', 'README.md']) expect(parseFileName(n)).toBeUndefined();
    expect(splitMigrationFileName('_0001_a.sqlite.sql')).toEqual({ id: '_0001_a', variant: 'sqlite', kind: 'sql' });
    expect(fileIdentity('/m/_0001_a.sqlite.sql', 'postgres')).toEqual({ id: '_0001_a', engine: 'sqlite' });
  });
  it('lint and the loader agree on every name', () => {
    for (const n of ['0001_a.sql', '0002_b.sqlite.sql', '0003_c.postgres.ts', '0004_d.duckdb.js', '0005_e.mjs', '0006_f.other.sql']) {
      const p = parseFileName(n)!;
      expect(fileIdentity(`/m/${n}`, 'duckdb')).toEqual({ id: p.id, engine: p.variant === 'portable' ? 'duckdb' : p.variant });
    }
    expect(fileIdentity('/m/notes.txt', 'sqlite')).toEqual({ id: 'notes', engine: 'sqlite' });
  });
});
