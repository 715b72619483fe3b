import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { createPgDatabase } from '../helpers/engines.js';

// A store that fails while the dump is still running must end in one clear error, not in an
// unhandled 'error' event from the dump stream that the failed upload stopped reading.
describe('backup to a store that fails mid-dump (PostgreSQL)', () => {
  let db: Awaited<ReturnType<typeof createPgDatabase>>;
  let notADir = '';
  beforeAll(async () => {
    db = await createPgDatabase('eventdb_storefail');
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    await c.query('create table t (id int primary key, note text); insert into t select g, repeat(\'x\', 200) from generate_series(1, 20000) g');
    await c.end();
    notADir = join(mkdtempSync(join(tmpdir(), 'eventdb-storefail-')), 'a-file');
    writeFileSync(notADir, 'not a folder');
  });
  afterAll(async () => {
    await db?.drop();
  });

  it.each([['pg_dump', 'auto'], ["eventdb's own dump", 'never']])('%s: exit 1, one error line and a hint, no stack trace', async (_name, mode) => {
    const r = await runCli(['backup', '--url', db.url, '--store', `file:${notADir}`], { env: { EVENTDB_PG_DUMP: mode } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: cannot create .*ENOTDIR.*\nhint: check the store folder\n$/);
    expect(r.stderr).not.toContain('Unhandled');
    expect(r.stderr).not.toContain('    at ');
  });
});
