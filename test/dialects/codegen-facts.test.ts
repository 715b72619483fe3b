import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/index.js';
import { engineEntry } from '../../src/dialects/registry.js';
import { openDatabase } from '../../src/index.js';

/** The engine facts `eventdb types` and `schema pull` read from the registry, without a connection or a driver. */
const FAMILIES = ['integer', 'decimal', 'float', 'text', 'boolean', 'timestamp', 'timestamptz', 'date', 'time', 'interval', 'json', 'uuid', 'binary', 'array'] as const;
const ENTRIES = [engineEntry('postgres'), engineEntry('postgres', 'pglite'), engineEntry('sqlite'), engineEntry('duckdb')];
const ts = (engine: 'postgres' | 'sqlite' | 'duckdb', family: (typeof FAMILIES)[number], type = '') => {
  const f = engineEntry(engine).tsTypes.families[family];
  return typeof f === 'function' ? f(type) : f;
};

describe('code generation facts in the engine registry', () => {
  it('every engine types every family; PGlite shares PostgreSQL facts', () => {
    for (const e of ENTRIES) for (const f of FAMILIES) expect(e.tsTypes.families[f], `${e.id} ${f}`).toBeDefined();
    expect(engineEntry('postgres', 'pglite').tsTypes).toBe(engineEntry('postgres').tsTypes);
    expect(engineEntry('postgres', 'pglite').declaration).toBe(engineEntry('postgres').declaration);
  });

  it('states what each driver returns', () => {
    expect(ts('postgres', 'integer', 'bigint')).toEqual({ select: 'number | string', insert: 'number | string | bigint' });
    expect(ts('postgres', 'integer', 'integer')).toEqual({ select: 'number', insert: 'number' });
    expect(ts('sqlite', 'integer', 'bigint')).toEqual({ select: 'number', insert: 'number' });
    expect(ts('postgres', 'decimal')).toEqual({ select: 'string', insert: 'number | string' });
    expect(ts('sqlite', 'boolean')).toEqual({ select: 'number', insert: 'number' });
    expect(ts('postgres', 'json')?.select).toBe('JsonValue');
    expect(ts('duckdb', 'binary')).toEqual({ select: 'Uint8Array', insert: 'Buffer' });
    expect(ENTRIES.map((e) => [e.id, e.tsTypes.enumUnion, e.tsTypes.identity, e.tsTypes.integerKeyIsRowid])).toEqual([
      ['postgres', true, true, false],
      ['pglite', true, true, false],
      ['sqlite', false, false, true],
      ['duckdb', true, false, false],
    ]);
  });

  it('DuckDB TIMETZ is typed as the object the driver returns, read from a real file', async () => {
    expect(ts('duckdb', 'time', 'time')).toEqual({ select: 'number', insert: 'string' });
    expect(ts('duckdb', 'time', 'time with time zone')).toEqual({ select: '{ micros: number; offset: number }', insert: 'string' });
    const conn = await openDatabase(await resolveConfig({ flags: { url: 'duckdb::memory:' }, env: {}, cwd: process.cwd() }));
    try {
      await sql`create table tz (t timetz, p time)`.execute(conn.db);
      await sql`insert into tz values ('12:00:00+05:30', '12:00:00')`.execute(conn.db);
      const [row] = (await sql<{ t: unknown; p: unknown }>`select t, p from tz`.execute(conn.db)).rows;
      expect(row!.t).toEqual({ micros: 43_200_000_000, offset: 19_800 });
      expect(typeof row!.p).toBe('number');
    } finally {
      await conn.close();
    }
  });

  it('reads enums, sized types and index methods as each engine reports them', () => {
    const enums = [{ name: 'mood', values: ["it's", 'ok'] }];
    expect(engineEntry('postgres').declaration.enumOf('mood', enums)).toBe('mood');
    expect(engineEntry('duckdb').declaration.enumOf("enum('it''s', 'ok')", enums)).toBe('mood');
    expect(engineEntry('sqlite').declaration.enumOf('mood', enums)).toBeUndefined();
    expect(engineEntry('postgres').declaration.sized('text', 'character varying(80)')).toEqual({ helper: 'varchar', args: ['80'] });
    expect(engineEntry('sqlite').declaration.sized('text', 'char(2)')).toEqual({ helper: 'char', args: ['2'] });
    expect(engineEntry('duckdb').declaration.sized('text', 'varchar(80)')).toBeUndefined();
    expect(engineEntry('duckdb').declaration.sized('decimal', 'decimal(18,3)')).toEqual({ helper: 'numeric', args: [] });
    expect(engineEntry('duckdb').declaration.sized('decimal', 'decimal(10,2)')).toEqual({ helper: 'numeric', args: ['10', '2'] });
    expect(engineEntry('postgres').declaration.indexMethod('CREATE INDEX i ON public.t USING GIN (tags)')).toBe('gin');
    expect(engineEntry('duckdb').declaration.indexMethod('CREATE INDEX i ON t USING ART (x)')).toBeUndefined();
  });
});
