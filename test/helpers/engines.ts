import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, inject } from 'vitest';
import { resolveConfig, type ResolvedConfig } from '../../src/config/index.js';
import type { Engine } from '../../src/config/url.js';

export const ALL_ENGINES: readonly Engine[] = ['postgres', 'sqlite', 'duckdb'];

export interface EngineFixture {
  engine: Engine;
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
      await d.query(`drop database if exists "${name}" with (force)`);
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
 * public schema is emptied before each test.
 */
export function describeEngines(name: string, body: (fx: EngineFixture) => void, engines: readonly Engine[] = ALL_ENGINES): void {
  describe.each(engines.map((e) => [e]))(`${name} [%s]`, (engine) => {
    let dir = '';
    let current = '';
    let counter = 0;
    let pgDb: Awaited<ReturnType<typeof createPgDatabase>> | undefined;
    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), `eventdb-${engine}-`));
      if (engine === 'postgres') pgDb = await createPgDatabase();
    });
    afterAll(async () => {
      await pgDb?.drop();
      rmSync(dir, { recursive: true, force: true });
    });
    beforeEach(async () => {
      counter++;
      if (engine === 'postgres') {
        await resetPgSchema(pgDb!.url);
        current = pgDb!.url;
      } else if (engine === 'sqlite') {
        current = `sqlite:${join(dir, `t${counter}.sqlite`)}`;
      } else {
        current = `duckdb:${join(dir, `t${counter}.duckdb`)}`;
      }
    });
    body({
      engine,
      url: () => current,
      dir: () => dir,
      config: (extra = {}) => resolveConfig({ flags: { url: current }, env: { ...extra }, cwd: dir }),
    });
  });
}
