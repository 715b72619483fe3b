import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { migrateDiff, resolveConfig } from '../../../src/index.js';
import { ROOT } from '../../helpers/cli.js';

// The package exports migrateDiff (issue 17: each command is also a library function). On the platform's
// own migrations and declaration there is nothing to write, on every engine the declaration supports.
it('migrateDiff from the package: the platform\'s migrations make what schema/ declares (check writes nothing)', { timeout: 180_000 }, async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'eventdb-diff-lib-'));
  const config = await resolveConfig({ flags: { url: `sqlite:${join(cwd, 'app.sqlite')}` }, env: { EVENTDB_MIGRATIONS_DIR: join(ROOT, 'migrations'), EVENTDB_SCHEMA_DIR: join(ROOT, 'schema') }, cwd });
  const before = readdirSync(join(ROOT, 'migrations')).sort();
  const r = await migrateDiff(config, { name: 'probe', check: true });
  expect(r.changed).toBe(false);
  expect(r.files).toEqual([]);
  expect(r.engines.map((e) => e.engine).sort()).toEqual(['duckdb', 'postgres', 'sqlite']);
  expect(readdirSync(join(ROOT, 'migrations')).sort()).toEqual(before);
  expect(readdirSync(cwd)).toEqual([]);
});
