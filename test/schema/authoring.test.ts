import { describe, expect, it } from 'vitest';
import platform from '../../schema/index.js';
import * as lib from '../../src/index.js';
import { bigint, check, defineSchema, enumColumn, enumType, foreignKey, index, numeric, table, text, timestamptz, unique, varchar } from '../../src/schema/authoring.js';
import { validateExpectedSchema } from '../../src/schema/shape.js';
import before from './fixtures/platform-schema-before-authoring.js';

describe('schema authoring API', () => {
  it('schema/index.ts, rewritten with it, declares exactly what the hand-written declaration did', () => {
    expect(JSON.parse(JSON.stringify(platform))).toEqual(JSON.parse(JSON.stringify(before)));
    expect(platform).toEqual(before);
  });

  it('is exported from the package', () => {
    for (const name of ['defineSchema', 'table', 'text', 'varchar', 'integer', 'bigint', 'smallint', 'numeric', 'real', 'double', 'boolean', 'timestamptz', 'timestamp', 'date', 'time', 'json', 'jsonb', 'uuid', 'bytes', 'enumColumn', 'enumType', 'index', 'unique', 'foreignKey', 'check', 'column', 'pullSchema', 'generateTypes']) {
      expect(typeof (lib as Record<string, unknown>)[name], name).toBe('function');
    }
  });

  it('maps a family to each engine, with per-engine overrides collapsing to one name when all agree', () => {
    expect(text('a').type).toEqual({ postgres: 'text', sqlite: 'text', duckdb: 'varchar' });
    expect(text('a', { type: { duckdb: 'text' } }).type).toBe('text');
    expect(varchar('a', 40).type).toEqual({ postgres: 'character varying(40)', sqlite: 'varchar(40)', duckdb: 'varchar' });
    expect(numeric('p', 10, 2)).toEqual({ name: 'p', family: 'decimal', nullable: false, type: { postgres: 'numeric(10,2)', sqlite: 'numeric(10,2)', duckdb: 'decimal(10,2)' } });
    expect(bigint('id', { type: { duckdb: 'hugeint' }, nullable: true })).toEqual({ name: 'id', family: 'integer', nullable: true, type: { postgres: 'bigint', sqlite: 'integer', duckdb: 'hugeint' } });
    expect(enumColumn('rating', 'mpaa_rating').type).toEqual({ postgres: 'mpaa_rating', sqlite: 'text', duckdb: 'mpaa_rating' });
  });

  it('builds tables, indexes, foreign keys with both actions, checks and enums that pass the shape check', () => {
    const s = defineSchema({
      enums: [enumType('mood', ['sad', 'ok', 'happy'])],
      tables: [
        table('users', { columns: [bigint('id'), text('email'), enumColumn('mood', 'mood', { nullable: true })], primaryKey: ['id'], indexes: [unique('users_email_key', ['lower(email)']), index('users_mood_idx', ['mood'], { where: 'mood IS NOT NULL' })] }),
        table('posts', {
          columns: [bigint('id'), bigint('user_id'), timestamptz('at')],
          primaryKey: ['id'],
          foreignKeys: [foreignKey('user_id', 'users', 'id', { onDelete: 'CASCADE', onUpdate: 'SET NULL' })],
          checks: [check('posts_id_positive', 'id > 0')],
        }),
        table('log', { columns: [text('line')], required: false }),
      ],
    });
    const v = validateExpectedSchema(JSON.parse(JSON.stringify(s)), 'x.ts');
    expect(v.enums).toEqual([{ name: 'mood', values: ['sad', 'ok', 'happy'] }]);
    expect(v.tables[1]!.foreignKeys).toEqual([{ columns: ['user_id'], references: { table: 'users', columns: ['id'] }, onDelete: 'CASCADE', onUpdate: 'SET NULL' }]);
    expect(v.tables[1]!.checks).toEqual([{ name: 'posts_id_positive', expression: 'id > 0' }]);
    expect(v.tables[2]).toMatchObject({ name: 'log', required: false, primaryKey: [] });
  });

  it('refuses a check without an expression and an enum listing a value twice, naming the path', () => {
    const base = () => JSON.parse(JSON.stringify(defineSchema({ tables: [table('t', { columns: [text('a')] })] })));
    const s1 = base();
    s1.tables[0].checks = [{ name: 'c' }];
    expect(() => validateExpectedSchema(s1, 'x.ts')).toThrow(/tables\[0\]\.checks\[0\]\.expression: must be a non-empty string/);
    const s2 = base();
    s2.enums = [{ name: 'e', values: ['a', 'a'] }];
    expect(() => validateExpectedSchema(s2, 'x.ts')).toThrow(/enums\[0\]\.values\[1\]: "a" is listed twice/);
  });
});
