import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, ROOT } from '../helpers/cli.js';
import { pgAdminUrl } from '../helpers/engines.js';

// #18 fixed cost: the CLI's bundle carries pg (scripts/bundle-cli.mjs), so a PostgreSQL command loads
// it as one file instead of ~30 from node_modules; library use (dist/ from tsc) still loads pg there.
describe('pg in the CLI bundle', () => {
  it('a PostgreSQL command connects with the bundled pg and loads nothing of node_modules/pg', async () => {
    const trace = join(mkdtempSync(join(tmpdir(), 'eventdb-pgb-')), 'cjs.txt');
    writeFileSync(trace, '');
    const hook = new URL('../fixtures/require-trace.cjs', import.meta.url).pathname;
    const r = await runCli(['info', '--json', '--url', pgAdminUrl()], { env: { NODE_OPTIONS: `--require=${hook}`, EVENTDB_TRACE_FILE: trace } });
    expect(r.code, r.stderr).toBe(0);
    // it did connect: the server's version is reported
    expect(JSON.stringify(r.json())).toMatch(/PostgreSQL \d+/);
    const loaded = readFileSync(trace, 'utf8');
    expect(loaded, 'the trace records CommonJS loads').toMatch(/\S/);
    expect(loaded).not.toContain(`${join(ROOT, 'node_modules', 'pg')}/`);
    expect(loaded).not.toContain('/node_modules/pg-protocol/');
  });

  it('library use loads pg from node_modules', async () => {
    const { default: pg } = await import('../../dist/dialects/postgres/pg-driver.js');
    expect(typeof pg.Client).toBe('function');
    const c = new pg.Client({ connectionString: pgAdminUrl() });
    await c.connect();
    const { rows } = await c.query('select 1 as one');
    await c.end();
    expect(rows).toEqual([{ one: 1 }]);
  });
});
