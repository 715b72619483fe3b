import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, ROOT } from '../helpers/cli.js';
import { pgAdminUrl } from '../helpers/engines.js';

const requireHook = new URL('../fixtures/require-trace.cjs', import.meta.url).pathname;
const importHook = new URL('../fixtures/import-trace.mjs', import.meta.url).pathname;

/** Runs the CLI recording every file CommonJS and the ESM loader load; returns the result and the list. */
async function traced(args: string[]) {
  const work = mkdtempSync(join(tmpdir(), 'eventdb-pgb-'));
  const trace = join(work, 'loaded.txt');
  writeFileSync(trace, '');
  const r = await runCli(args, { cwd: work, env: { NODE_OPTIONS: `--require=${requireHook} --import=${importHook}`, EVENTDB_TRACE_FILE: trace } });
  return { r, work, loaded: readFileSync(trace, 'utf8') };
}

// #18 fixed cost: the CLI's bundle carries pg and pg-copy-streams (scripts/bundle-cli.mjs), so a
// PostgreSQL command loads them as one file instead of ~35 from node_modules; library use (dist/ from
// tsc) still loads pg there.
describe('pg in the CLI bundle', () => {
  it('a PostgreSQL command connects with the bundled pg and loads nothing of node_modules/pg', async () => {
    const { r, loaded } = await traced(['info', '--json', '--url', pgAdminUrl()]);
    expect(r.code, r.stderr).toBe(0);
    // it did connect: the server's version is reported
    expect(JSON.stringify(r.json())).toMatch(/PostgreSQL \d+/);
    expect(loaded, 'the trace records what loads').toContain('dist/cli/main.js');
    expect(loaded).not.toContain(`${join(ROOT, 'node_modules', 'pg')}/`);
    expect(loaded).not.toContain('/node_modules/pg-protocol/');
  });

  it('a backup takes its snapshot with the bundled pg and pg-copy-streams', async () => {
    const { r, work, loaded } = await traced(['backup', '--json', '--url', pgAdminUrl(), '--store', 'file:./store']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json().backup.engine).toBe('postgres');
    expect(readdirSync(join(work, 'store')).length).toBe(1);
    expect(loaded).toContain('dist/cli/main.js');
    expect(loaded).not.toContain(`${join(ROOT, 'node_modules', 'pg')}/`);
    expect(loaded).not.toContain('/node_modules/pg-copy-streams/');
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
