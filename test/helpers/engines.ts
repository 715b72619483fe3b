import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, inject } from 'vitest';
import { resolveConfig, type ResolvedConfig } from '../../src/config/index.js';
import type { Engine } from '../../src/config/url.js';

/** An engine, or `pglite`: the postgres dialect over an embedded PGlite data directory. */
export type EngineVariant = Engine | 'pglite';
export const ALL_ENGINES: readonly EngineVariant[] = ['postgres', 'pglite', 'sqlite', 'duckdb'];

export interface EngineFixture {
  /** The dialect: `postgres` for both the server and PGlite. */
  engine: Engine;
  /** Which way it runs: `postgres` (a server), `pglite`, `sqlite` or `duckdb`. */
  variant: EngineVariant;
  /** postgres only: `server` or `pglite`. */
  driver?: 'server' | 'pglite';
  /** The current test's database URL: a fresh file per test (SQLite, DuckDB), a clean schema (PostgreSQL). */
  url(): string;
  /** A scratch directory for this describe block. */
  dir(): string;
  /** Resolved config for the current URL, with an empty environment. */
  config(extra?: Record<string, string>): Promise<ResolvedConfig>;
  /** Runs SQL as an admin on the current database (PostgreSQL) — for test setup only. */
}

export function pgAdminUrl(): string {
  return inject('pgUrl');
}

export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Creates a PostgreSQL database for one test file; returns its URL and a drop function. */
export async function createPgDatabase(prefix = 'eventdb_t'): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const admin = pgAdminUrl();
  const name = `${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const c = new pg.Client({ connectionString: admin });
  await c.connect();
  await c.query(`create database "${name}"`);
  await c.end();
  return {
    url: withDatabase(admin, name),
    name,
    async drop() {
      const d = new pg.Client({ connectionString: admin });
      await d.connect();
      // An in-place restore keeps the replaced database as `<name>_pre_restore_<stamp>` (and a killed one
      // may leave `<name>_restore_<stamp>`): those are this file's too.
      const { rows } = await d.query<{ datname: string }>('select datname from pg_database');
      const ours = rows.map((r) => r.datname).filter((n) => n === name || n.startsWith(`${name}_pre_restore_`) || n.startsWith(`${name}_restore_`));
      for (const n of ours) await d.query(`drop database if exists "${n}" with (force)`);
      await d.end();
    },
  };
}

export async function resetPgSchema(url: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query('drop schema if exists public cascade; create schema public;');
  await c.end();
}

/**
 * Runs a describe block once per engine with a fresh database per test: a new file in a temp folder
 * for SQLite and DuckDB; for PostgreSQL one database per file (created here, dropped after) whose
 * public schema is emptied before each test. PGlite: a new data directory per test, copied from the
 * closed one the global setup made (test/setup/global.ts), so the test — or an eventdb child process —
 * opens a database as new as a SQLite test's file, without booting PGlite to empty a schema.
 */
export function describeEngines(name: string, body: (fx: EngineFixture) => void, engines: readonly EngineVariant[] = ALL_ENGINES): void {
  describe.each(engines.map((e) => [e]))(`${name} [%s]`, (variant) => {
    const engine: Engine = variant === 'pglite' ? 'postgres' : variant;
    let dir = '';
    let current = '';
    let counter = 0;
    let pgDb: Awaited<ReturnType<typeof createPgDatabase>> | undefined;
    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), `eventdb-${variant}-`));
      if (variant === 'postgres') pgDb = await createPgDatabase();
    });
    afterAll(async () => {
      await pgDb?.drop();
      rmSync(dir, { recursive: true, force: true });
    });
    beforeEach(async () => {
      counter++;
      if (variant === 'postgres') {
        await resetPgSchema(pgDb!.url);
        current = pgDb!.url;
      } else if (variant === 'pglite') {
        // The previous test's copy (~40 MB) goes now rather than with the block: one copy on disk at a time.
        if (current.startsWith('pglite:')) rmSync(current.slice('pglite:'.length), { recursive: true, force: true });
        const path = join(dir, `pglite${counter}`);
        cpSync(inject('pgliteTemplate'), path, { recursive: true });
        current = `pglite:${path}`;
      } else if (engine === 'sqlite') {
        current = `sqlite:${join(dir, `t${counter}.sqlite`)}`;
      } else {
        current = `duckdb:${join(dir, `t${counter}.duckdb`)}`;
      }
    });
    body({
      engine,
      variant,
      ...(engine === 'postgres' ? { driver: variant === 'pglite' ? ('pglite' as const) : ('server' as const) } : {}),
      url: () => current,
      dir: () => dir,
      config: (extra = {}) => resolveConfig({ flags: { url: current }, env: { ...extra }, cwd: dir }),
    });
  });
}
