import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { createPgDatabase } from '../helpers/engines.js';
import { FIXTURES } from './helpers.js';

/*
 * matrix-org/synapse's schema (full schema 72 + SQL deltas 73–83, test/fixtures/synapse) converted to
 * eventdb folders by its convert.mjs: 61 PostgreSQL migrations, 51 SQLite. What the sweep of it found is
 * held here end to end: every statement read (no unparsable, nothing left unanalysed), the history
 * applied and checked for drift on both engines, SQLite's FTS4 tables pulled as what they are, the
 * declaration made into a fresh database again, and on DuckDB the SQLite-only statements found by lint.
 */
let root = '';
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'eventdb-synapse-'));
  execFileSync(process.execPath, [join(FIXTURES, 'synapse', 'convert.mjs'), join(root, 'src'), '--downs']);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

type Lint = { files: number; findings: Array<{ rule: string; level: string; migration: string }> };
const lint = async (folder: string, engine: string) => (await runCli(['migrate', 'lint', join(root, 'src', folder), '--engine', engine, '--json'], { cwd: root })).json<Lint>();
const project = (engine: string) => {
  const dir = join(root, `p-${engine}`);
  mkdirSync(dir, { recursive: true });
  symlinkSync(join(root, 'src', engine), join(dir, 'migrations'));
  return dir;
};

describe('synapse [sqlite]', () => {
  it('lint reads every statement; up, validate (drift), pull, auto-fix into a fresh file, validate again', async () => {
    const l = await lint('sqlite', 'sqlite');
    expect(l.files).toBe(51);
    expect(l.findings.filter((f) => ['unparsable-statement', 'not-analysed'].includes(f.rule))).toEqual([]);
    const dir = project('sqlite');
    const url = 'sqlite:./synapse.sqlite';
    expect((await runCli(['migrate', 'up', '--url', url, '-q'], { cwd: dir })).code).toBe(0);
    const v = await runCli(['validate', '--url', url, '--json'], { cwd: dir });
    expect(v.code, v.stdout).toBe(0);
    const pull = await runCli(['schema', 'pull', '--url', url, '--json'], { cwd: dir });
    expect(pull.json<{ virtualTables: unknown }>().virtualTables).toEqual([{ name: 'event_search', module: 'fts4' }, { name: 'user_directory_search', module: 'fts4' }]);
    // the declaration alone, beside the history it came from (whose migrations are pending there)
    const fix = await runCli(['auto-fix', '--apply', '--yes', '--allow-pending', '--url', 'sqlite:./fresh.sqlite', '--json'], { cwd: dir });
    expect(fix.code, fix.stdout).toBe(0);
    const again = await runCli(['validate', '--no-drift', '--url', 'sqlite:./fresh.sqlite', '--json'], { cwd: dir });
    expect(again.code, again.stdout).toBe(0);
  });
});

describe('synapse [duckdb]', () => {
  it('lint of the SQLite history for DuckDB: what DuckDB refuses is unsupported-statement, nothing is left unanalysed, no fk-without-index', async () => {
    const l = await lint('sqlite', 'duckdb');
    expect(l.findings.filter((f) => f.rule === 'not-analysed' || f.rule === 'fk-without-index')).toEqual([]);
    const refused = [...new Set(l.findings.filter((f) => f.rule === 'unsupported-statement').map((f) => f.migration))];
    // FTS4 and a trigger (72), ADD COLUMN with constraints (73/04, 74/03, 80/01), ON DELETE CASCADE (73/20, 73/22, 74/05), a partial index (79/03), SQLite triggers (79/05)
    expect(refused).toEqual(['0072_02_main_full', '0073_04partial_join_details', '0073_20_un_partial_stated_room_stream', '0073_22_un_partial_stated_event_stream', '0074_03_membership_tables_event_stream_ordering', '0074_05_events_txn_id_device_id', '0079_03_read_write_locks_triggers', '0079_05_read_write_locks_triggers', '0080_01_users_alter_locked']);
  });
});

describe('synapse [postgres]', () => {
  let db: Awaited<ReturnType<typeof createPgDatabase>>;
  beforeAll(async () => {
    db = await createPgDatabase('eventdb_synapse');
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('lint reads every statement; up, then validate finds no drift', async () => {
    const l = await lint('postgres', 'postgres');
    expect(l.files).toBe(61);
    expect(l.findings.filter((f) => f.rule === 'unparsable-statement')).toEqual([]);
    const dir = project('postgres');
    expect((await runCli(['migrate', 'up', '--url', db.url, '-q'], { cwd: dir })).code).toBe(0);
    const v = await runCli(['validate', '--url', db.url, '--json'], { cwd: dir });
    expect(v.code, v.stdout).toBe(0);
    const drift = v.json<{ findings: Array<{ check: string; level: string }> }>().findings.filter((f) => f.check === 'drift' && f.level !== 'ok');
    expect(drift).toEqual([]);
  });
});
