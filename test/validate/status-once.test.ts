import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as migrations from '../../src/migrations/index.js';
import type { MigrationsApi } from '../../src/schema/migrations-check.js';
import { validateDatabase } from '../../src/schema/validate.js';
import { makeProject } from '../schema/generate/project.js';

/*
 * validate's migrations group and its drift check both need the migration status (the files, their
 * checksums, the history). The drift check now takes the status the group read: one read per run.
 */
describe('validate reads the migration status once [sqlite]', () => {
  const parent = mkdtempSync(join(tmpdir(), 'eventdb-status-once-'));
  afterAll(() => rmSync(parent, { recursive: true, force: true }));

  it('with drift on, one migrationStatus call; the replay still skips the pending migration', async () => {
    const p = await makeProject(parent, `sqlite:${join(parent, 'db.sqlite')}`, 'p');
    writeFileSync(join(p.migrations, '0001_a.sql'), '-- eventdb:up\ncreate table a (id integer primary key);\n-- eventdb:down\ndrop table a;\n');
    writeFileSync(join(p.migrations, '0002_b.sql'), '-- eventdb:up\ncreate table b (id integer primary key);\n-- eventdb:down\ndrop table b;\n');
    const conn = await p.open();
    try {
      await migrations.migrateUp(conn, p.config, { lockTimeoutMs: 10_000, to: '0001_a' });
      let calls = 0;
      const api: MigrationsApi = {
        migrationStatus: (c, cfg) => {
          calls++;
          return migrations.migrationStatus(c, cfg);
        },
        migrateUp: (c, cfg, o) => migrations.migrateUp(c, cfg, o),
      };
      const r = await validateDatabase(conn, p.config, { expected: null, migrations: api });
      expect(calls).toBe(1);
      expect(r.findings.filter((f) => f.check === 'drift').map((f) => [f.level, f.kind])).toEqual([['ok', 'drift-none']]);
      expect(r.findings.filter((f) => f.kind === 'pending-migration').map((f) => f.object)).toEqual(['migration 0002_b']);
    } finally {
      await conn.close();
    }
  });
});
