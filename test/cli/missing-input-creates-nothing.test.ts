import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

/*
 * Bad input changes nothing: opening a database file that is not there creates it (and its lock files),
 * so a command that is going to refuse must refuse before it opens the database.
 */
const fresh = () => mkdtempSync(join(tmpdir(), 'eventdb-nothing-'));

describe('a refused command creates no database file', () => {
  for (const url of ['sqlite:./app.sqlite', 'duckdb:./app.duckdb']) {
    it(`migration commands without their migrations folder (${url.split(':')[0]}): exit 2, NO_MIGRATIONS_DIR, nothing created`, async () => {
      for (const args of [['migrate', 'up'], ['rollback'], ['migrate', 'baseline', '--to', '0001_x'], ['migrate', 'repair', '--yes'], ['migrate', 'reset', '--yes']]) {
        const dir = fresh();
        const r = await runCli([...args, '--url', url, '--json'], { cwd: dir });
        expect(r.code, args.join(' ')).toBe(2);
        expect(r.json().error.code).toBe('NO_MIGRATIONS_DIR');
        expect(r.json().error.message).toBe(`migrations folder ${join(dir, 'migrations')} does not exist`);
        expect(readdirSync(dir), args.join(' ')).toEqual([]);
      }
    });
  }

  for (const url of ['sqlite:./app.sqlite', 'duckdb:./app.duckdb', 'pglite:./pgdata']) {
    it(`seed of a database that does not exist (${url.split(':')[0]}): exit 3, DB_NOT_FOUND, nothing created`, async () => {
      const dir = fresh();
      const r = await runCli(['seed', '--url', url], { cwd: dir });
      expect(r.code).toBe(3);
      expect(r.stderr).toBe(`error: database ${url} does not exist\nhint: run \`eventdb migrate up\` first, then seed\n`);
      expect(readdirSync(dir)).toEqual([]);
    });
  }
});
