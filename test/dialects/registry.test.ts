import { DummyDriver, Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { Engine } from '../../src/config/url.js';
import { parseDatabaseUrl } from '../../src/config/index.js';
import { engineEntry, entryOf, isServer, storageOf } from '../../src/dialects/index.js';
import { EventdbError } from '../../src/errors.js';

/** Every (engine, driver) eventdb drives, and what the registry must say of it. */
const ROWS: Array<{ engine: Engine; driver?: string; id: string; storage: 'server' | 'file'; driverLabel: string; timestampType: string; lockFiles: boolean; scratch: boolean; sqlLike: 'postgres' | 'sqlite' }> = [
  { engine: 'postgres', id: 'postgres', storage: 'server', driverLabel: 'server', timestampType: 'timestamptz', lockFiles: false, scratch: false, sqlLike: 'postgres' },
  { engine: 'postgres', driver: 'server', id: 'postgres', storage: 'server', driverLabel: 'server', timestampType: 'timestamptz', lockFiles: false, scratch: false, sqlLike: 'postgres' },
  { engine: 'postgres', driver: 'pglite', id: 'pglite', storage: 'file', driverLabel: 'pglite', timestampType: 'timestamptz', lockFiles: false, scratch: true, sqlLike: 'postgres' },
  { engine: 'sqlite', id: 'sqlite', storage: 'file', driverLabel: 'sqlite', timestampType: 'text', lockFiles: true, scratch: true, sqlLike: 'sqlite' },
  { engine: 'duckdb', id: 'duckdb', storage: 'file', driverLabel: 'duckdb', timestampType: 'timestamptz', lockFiles: true, scratch: true, sqlLike: 'postgres' },
];

describe('engine registry', () => {
  it.each(ROWS)('$engine/$driver: loads a dialect and a snapshot engine of its engine; storage $storage', async (row) => {
    const entry = engineEntry(row.engine, row.driver);
    expect(entry.id).toBe(row.id);
    expect(entry.engine).toBe(row.engine);
    expect(entry.storage).toBe(row.storage);
    expect(storageOf({ engine: row.engine, driver: row.driver as never })).toBe(row.storage);
    expect(isServer({ engine: row.engine, driver: row.driver as never })).toBe(row.storage === 'server');
    expect(entryOf({ engine: row.engine, driver: row.driver as never })).toBe(entry);
    const dialect = await entry.load();
    expect(dialect.engine).toBe(row.engine);
    expect(typeof dialect.connect).toBe('function');
    expect((await entry.loadSnapshot()).engine).toBe(row.engine);
  });

  it.each(ROWS)('$engine/$driver: driver $driverLabel, timestamps as $timestampType, lock files $lockFiles', (row) => {
    const entry = engineEntry(row.engine, row.driver);
    expect(entry.driver).toBe(row.driverLabel);
    expect(entry.timestampType).toBe(row.timestampType);
    expect(entry.lockFiles).toBe(row.lockFiles);
    if (row.scratch) {
      // An in-memory database of the same dialect.
      const target = parseDatabaseUrl(entry.scratchUrl!);
      expect(target.memory).toBe(true);
      expect(entryOf(target)).toBe(entry);
    } else {
      expect(entry.scratchUrl).toBeUndefined();
    }
  });

  it.each(ROWS)('$engine/$driver: compiles Kysely queries without a database, in its own SQL', async (row) => {
    const compiler = await engineEntry(row.engine, row.driver).loadCompiler();
    const db = new Kysely<any>({
      dialect: { createAdapter: () => compiler.createAdapter(), createDriver: () => new DummyDriver(), createIntrospector: (k) => compiler.createIntrospector(k), createQueryCompiler: () => compiler.createQueryCompiler() },
    });
    const q = db.selectFrom('events').select('id').where('id', '=', 1).compile();
    expect(q.sql).toBe(row.sqlLike === 'sqlite' ? 'select "id" from "events" where "id" = ?' : 'select "id" from "events" where "id" = $1');
  });

  it('an unknown engine throws UNKNOWN_ENGINE with a message and hint', () => {
    let err: unknown;
    try {
      engineEntry('oracle' as Engine);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(EventdbError);
    expect((err as EventdbError).code).toBe('UNKNOWN_ENGINE');
    expect((err as EventdbError).message).toBe('unknown engine "oracle"');
    expect((err as EventdbError).hint).toBe('use postgres, sqlite or duckdb');
    // Nothing was added: the known engines are still the only ones.
    expect(() => engineEntry('oracle' as Engine)).toThrow('unknown engine "oracle"');
    expect(() => storageOf({ engine: 'toString' as Engine })).toThrow('unknown engine "toString"');
  });
});
