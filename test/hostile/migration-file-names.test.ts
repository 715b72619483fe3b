import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { describeEngines } from '../helpers/engines.js';
import { expectCleanError, expectJsonError } from './helpers.js';

/*
 * A migration file eventdb cannot take as it stands: a name that is not UTF-8 (its ID would be recorded
 * with U+FFFD, and the decoded name opens no file), a symbolic link to nothing, a loop of links. Each is
 * refused before anything runs — exit 2, one line naming the file (bad bytes as \xNN, controls escaped)
 * with a hint, no stack — and nothing changes: no database file is made, the history keeps its rows.
 * It was an INTERNAL error (exit 1, "ENOENT … open '…caf�.sql'").
 */
const OK = '-- eventdb:up\ncreate table t (id integer primary key);\n-- eventdb:down\ndrop table t;\n';
const NEXT = '-- eventdb:up\ncreate table u (id integer primary key);\n';

describeEngines('migration files that cannot be read as migrations', (fx) => {
  function project(): { cwd: string; dir: string } {
    const cwd = mkdtempSync(join(fx.dir(), 'names-'));
    const dir = join(cwd, 'migrations');
    mkdirSync(dir);
    writeFileSync(join(dir, '0001_ok.sql'), OK);
    return { cwd, dir };
  }
  const cli = (cwd: string, args: string[]) => runCli([...args, '--url', fx.url()], { cwd });
  /** The history as `migrate status` reads it, once the bad file is gone. */
  async function history(cwd: string): Promise<{ applied: string[]; pending: string[]; failedAttempts: unknown[] }> {
    const r = await cli(cwd, ['migrate', 'status', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = r.json<{ migrations: Array<{ id: string; state: string }>; failedAttempts: unknown[] }>();
    return { applied: j.migrations.filter((m) => m.state === 'applied').map((m) => m.id), pending: j.migrations.filter((m) => m.state === 'pending').map((m) => m.id), failedAttempts: j.failedAttempts };
  }
  const fileDb = () => (fx.engine === 'postgres' ? undefined : fx.url().replace(/^\w+:/, ''));

  /** Each case: what to put in the folder (returns the names it made), the code and message expected. */
  const CASES: Array<{ name: string; make(dir: string): Buffer[]; code: string; message: RegExp }> = [
    {
      name: 'a name with a byte that is not UTF-8',
      make: (dir) => {
        const name = Buffer.from(join(dir, '0002_caf\xff.sql'), 'latin1');
        writeFileSync(name, NEXT);
        return [name];
      },
      code: 'MIGRATION_INVALID',
      message: /migrations\/0002_caf\\xff\.sql: the file name is not valid UTF-8 \(byte 0xff\)$/,
    },
    {
      name: 'a name with terminal controls and a bad byte',
      make: (dir) => {
        const name = Buffer.concat([Buffer.from(join(dir, '0002_\x1b[2Jx')), Buffer.from([0xc3, 0x28]), Buffer.from('.ts')]);
        writeFileSync(name, NEXT);
        return [name];
      },
      code: 'MIGRATION_INVALID',
      message: /migrations\/0002_\\x1b\[2Jx\\xc3\(\.ts: the file name is not valid UTF-8 \(byte 0xc3\)$/,
    },
    {
      name: 'a symbolic link to a file that does not exist',
      make: (dir) => {
        symlinkSync(join(dir, 'gone', '0002_next.sql'), join(dir, '0002_next.sql'));
        return [Buffer.from(join(dir, '0002_next.sql'))];
      },
      code: 'MIGRATION_UNREADABLE',
      message: /migrations\/0002_next\.sql is a symbolic link to .*\/gone\/0002_next\.sql, which does not exist$/,
    },
    {
      name: 'a loop of symbolic links',
      make: (dir) => {
        symlinkSync(join(dir, '0003_b.sql'), join(dir, '0002_a.sql'));
        symlinkSync(join(dir, '0002_a.sql'), join(dir, '0003_b.sql'));
        return [Buffer.from(join(dir, '0002_a.sql')), Buffer.from(join(dir, '0003_b.sql'))];
      },
      code: 'MIGRATION_UNREADABLE',
      message: /migrations\/0002_a\.sql is a loop of symbolic links$/,
    },
  ];

  for (const c of CASES) {
    it(`${c.name}: migrate up, lint and status exit 2 naming the file; no database is made`, async () => {
      const { cwd, dir } = project();
      c.make(dir);
      const up = await cli(cwd, ['migrate', 'up']);
      expectCleanError(up, 2, c.message);
      // eslint-disable-next-line no-control-regex
      expect(up.stderr).not.toMatch(/\x1b/);
      expect(up.stderr).toMatch(/^hint: (rename|restore|point)/m);
      expectJsonError(await cli(cwd, ['migrate', 'up', '--json']), 2, c.code, c.message);
      expectJsonError(await cli(cwd, ['migrate', 'status', '--json']), 2, c.code, c.message);
      expectJsonError(await runCli(['migrate', 'lint', '--engine', fx.engine, '--json'], { cwd }), 2, c.code, c.message);
      const file = fileDb();
      if (file) expect(existsSync(file), file).toBe(false);
    });

    it(`${c.name}: refused before anything runs on a database with history; the history is unchanged`, async () => {
      const { cwd, dir } = project();
      expect((await cli(cwd, ['migrate', 'up', '-q'])).code).toBe(0);
      const before = await history(cwd);
      expect(before.applied).toEqual(['0001_ok']);
      const made = c.make(dir);
      writeFileSync(join(dir, '0009_later.sql'), NEXT.replace(' u ', ' later '));
      expectJsonError(await cli(cwd, ['migrate', 'up', '--json']), 2, c.code, c.message);
      expectJsonError(await cli(cwd, ['rollback', '--yes', '--json']), 2, c.code, c.message);
      for (const name of made) unlinkSync(name);
      expect(await history(cwd)).toEqual({ applied: ['0001_ok'], pending: ['0009_later'], failedAttempts: [] });
    });
  }

  it('a file that is not a migration may have any name', async () => {
    const { cwd, dir } = project();
    writeFileSync(Buffer.from(join(dir, 'notes-caf\xe9.txt'), 'latin1'), 'x');
    writeFileSync(Buffer.from(join(dir, '_helper\xff.sql'), 'latin1'), 'x');
    symlinkSync(join(dir, 'gone'), join(dir, 'README.md'));
    const up = await cli(cwd, ['migrate', 'up', '--json']);
    expect(up.code, up.stdout).toBe(0);
    rmSync(join(dir, 'README.md'));
  });
}, ['sqlite', 'postgres', 'duckdb']);
