import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isKnownHead, knownMigrationIds } from '../../src/backup/migration-head.js';
import { resolveConfig } from '../../src/config/index.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('which migration heads this code knows', () => {
  it('names engine-variant files by their migration id, as the migrations module does', async () => {
    const config = await resolveConfig({ env: {}, cwd: ROOT });
    const ids = knownMigrationIds(config);
    expect(ids.has('0010_registration_functions')).toBe(true); // only .postgres.sql / .sqlite.ts / .duckdb.ts files exist
    expect([...ids].some((id) => /\.(postgres|sqlite|duckdb)$/.test(id))).toBe(false);
    expect(isKnownHead('0010_registration_functions', ids)).toBe(true);
    expect(isKnownHead('9999_from_the_future', ids)).toBe(false);
    expect(isKnownHead(null, ids)).toBe(true);
  });
});
