import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSupabaseAuth } from '../conformance/helpers.js';
import { runCli } from '../helpers/cli.js';
import { createPgDatabase } from '../helpers/engines.js';

/*
 * supabase/auth keeps every table in the `auth` schema. `schema pull` reads the connection's current
 * schema (public) and wrote an empty declaration, "0 tables", with nothing said about the 23 tables
 * beside it (found in the input sweep). It now says what it did not pull.
 */
describe('schema pull: tables in other schemas [postgres, supabase/auth]', () => {
  let dir = '';
  let db: Awaited<ReturnType<typeof createPgDatabase>>;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'eventdb-pull-elsewhere-'));
    db = await createPgDatabase('eventdb_pull_elsewhere');
    buildSupabaseAuth(join(dir, 'migrations'));
    const up = await runCli(['migrate', 'up', '--url', db.url, '--migrations', join(dir, 'migrations'), '--quiet'], { cwd: dir });
    expect(up.code, up.stderr).toBe(0);
  });
  afterAll(async () => {
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('nothing in public: no file (a declaration needs a table), the error names the schemas and counts; the hint\'s URL pulls auth', async () => {
    const out = join(dir, 'schema', 'index.ts');
    const j = await runCli(['schema', 'pull', '--url', db.url, '--out', out, '--json'], { cwd: dir });
    expect(j.code).toBe(2);
    expect(j.json()).toMatchObject({ ok: false, error: { code: 'SCHEMA_PULL_EMPTY', message: 'nothing to pull: the current schema has no tables (23 in other schemas: auth: 23); nothing was written' } });
    expect(existsSync(out)).toBe(false);
    const auth = `${db.url}${db.url.includes('?') ? '&' : '?'}options=-c%20search_path%3Dauth`;
    const t = await runCli(['schema', 'pull', '--url', auth, '--out', join(dir, 'schema', 'text.ts')], { cwd: dir });
    expect(t.code, t.stderr).toBe(0);
    expect(t.stdout).toMatch(/wrote .*text\.ts: 23 tables/);
    expect(readFileSync(join(dir, 'schema', 'text.ts'), 'utf8')).toContain("table('refresh_tokens'");
  });

  it('validate: the drift check says the auth tables were not compared (info), instead of a bare "no drift (0 tables)"', async () => {
    const r = await runCli(['validate', '--url', db.url, '--json'], { cwd: dir, env: { EVENTDB_MIGRATIONS_DIR: join(dir, 'migrations'), EVENTDB_SCHEMA_DIR: join(dir, 'no-schema') } });
    expect(r.code, r.stderr).toBe(0);
    const drift = r.json<{ findings: Array<{ check: string; level: string; kind: string; message: string }> }>().findings.filter((f) => f.check === 'drift');
    expect(drift.map((f) => [f.level, f.kind])).toEqual([['ok', 'drift-none'], ['info', 'drift-elsewhere']]);
    expect(drift[1]!.message).toBe("23 tables in other schemas not compared (auth: 23): eventdb reads the connection's current schema only");
  });
});
