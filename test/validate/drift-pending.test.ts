import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildUmami, psql } from '../conformance/helpers.js';
import { runCli } from '../helpers/cli.js';
import { createPgDatabase } from '../helpers/engines.js';

/*
 * validate's drift check replayed every migration into the scratch database, so on a database with
 * pending migrations each table a pending migration creates was reported "missing (dropped by hand?)",
 * an error: `validate` in CI before `migrate up` failed (found in the input sweep, umami's history).
 * Drift is now measured against the migrations the database has applied.
 */
interface Finding {
  check: string;
  level: string;
  kind: string;
  object: string;
  message: string;
}

describe('validate: drift with pending migrations [postgres, umami history]', () => {
  let dir = '';
  let db: Awaited<ReturnType<typeof createPgDatabase>>;
  let env: Record<string, string> = {};
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'eventdb-drift-pending-'));
    db = await createPgDatabase('eventdb_drift_pending');
    buildUmami(join(dir, 'migrations'));
    env = { EVENTDB_MIGRATIONS_DIR: join(dir, 'migrations'), EVENTDB_SCHEMA_DIR: join(dir, 'schema') };
  });
  afterAll(async () => {
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });
  const validate = async () => {
    const r = await runCli(['validate', '--url', db.url, '--json'], { cwd: dir, env });
    return { code: r.code, findings: r.json<{ findings: Finding[] }>().findings };
  };

  it('applied up to 10 of 19: no drift (the pending ones are pending, not missing); exit 0', async () => {
    const up = await runCli(['migrate', 'up', '--to', '10_add_distinct_id', '--url', db.url, '--json'], { cwd: dir, env });
    expect(up.code, up.stderr).toBe(0);
    const r = await validate();
    expect(r.findings.filter((f) => f.check === 'drift').map((f) => [f.level, f.kind])).toEqual([['ok', 'drift-none']]);
    expect(r.findings.filter((f) => f.kind === 'pending-migration').map((f) => f.object)).toEqual(['11_add_segment', '12_update_report_parameter', '13_add_revenue', '14_add_link_and_pixel', '15_add_share', '16_boards', '17_remove_duplicate_key', '18_add_performance', '19_add_session_replay'].map((id) => `migration ${id}`));
    expect(r.code).toBe(0);
  });

  it('a hand-made change to what the applied migrations made is still drift (exit 1); the pending tables are not reported', async () => {
    psql(db.url, 'DROP INDEX "website_event_visit_id_idx"; DROP TABLE "event_data";');
    const r = await validate();
    expect(r.code).toBe(1);
    const drift = r.findings.filter((f) => f.check === 'drift' && f.level !== 'ok');
    expect(drift.map((f) => f.object).sort()).toEqual(['index website_event_visit_id_idx', 'table event_data']);
    expect(drift.find((f) => f.object === 'table event_data')!.message).toBe('the migrations create table event_data but it is missing (dropped by hand?)');
  });
});
