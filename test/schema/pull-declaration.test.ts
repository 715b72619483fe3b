import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { SchemaSnapshot } from '../../src/dialects/types.js';
import { loadExpectedSchemaFile } from '../../src/schema/loader.js';
import { declarationSource } from '../../src/schema/pull/index.js';

const work = mkdtempSync(join(tmpdir(), 'eventdb-pull-decl-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const col = (name: string, type: string, family: string, position: number, extra: Record<string, unknown> = {}) => ({ name, type, family, nullable: false, default: null, position, ...extra }) as SchemaSnapshot['tables'][number]['columns'][number];

describe('schema pull: the declaration text', () => {
  it('names what SQLite reserves, types what has no type, keeps duplicate check names apart and escapes quotes', async () => {
    const snap: SchemaSnapshot = {
      engine: 'sqlite',
      schema: 'main',
      tables: [
        { name: "it's", columns: [col('id', 'integer', 'integer', 1), col('code', 'text', 'text', 2), col('raw', '', 'other', 3, { nullable: true }), col("o'k", 'nvarchar(10)', 'text', 4, { default: "'x'" })], primaryKey: ['id'] },
        { name: 'eventdb_migrations', columns: [col('id', 'text', 'text', 1)], primaryKey: ['id'] },
      ],
      indexes: [{ name: "sqlite_autoindex_it's_1", table: "it's", columns: ['code'], unique: true, primary: false }],
      foreignKeys: [],
      checks: [
        { table: "it's", name: 'c', expression: "code <> ''" },
        { table: "it's", name: 'c', expression: 'id > 0' },
      ],
    };
    const d = declarationSource(snap);
    expect(declarationSource(snap).source).toBe(d.source);
    expect(d.source).not.toContain('eventdb_migrations');
    expect(d.source).toContain(`unique("it's_code_key", ['code'])`);
    expect(d.source).toContain(`column('raw', 'other', { sqlite: 'blob' }, { nullable: true })`);
    expect(d.source).toContain(`text("o'k", { default: "'x'", type: { sqlite: 'nvarchar(10)' } })`);
    expect(d.source).toContain(`check('c', "code <> ''")`);
    expect(d.source).toContain(`table("it's", {`);
    expect(d.source).toContain(`check('c2', 'id > 0')`);
    expect(d).toMatchObject({ tables: 1, columns: 4, indexes: 1, checks: 2, enums: 0 });

    const file = join(work, 'index.ts');
    writeFileSync(file, d.source);
    const loaded = await loadExpectedSchemaFile(file);
    expect(loaded.engines).toEqual(['sqlite']);
    expect(loaded.tables[0]).toMatchObject({ name: "it's", primaryKey: ['id'], checks: [{ name: 'c', expression: "code <> ''" }, { name: 'c2', expression: 'id > 0' }] });
    expect(loaded.tables[0]!.columns[3]).toEqual({ name: "o'k", family: 'text', nullable: false, type: { postgres: 'text', sqlite: 'nvarchar(10)', duckdb: 'varchar' }, default: "'x'" });
  });
});
