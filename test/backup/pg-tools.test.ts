import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { libpqEnv, PG_WRAPPER, resolveTool } from '../../src/dialects/postgres/tools.js';

// #18: Debian's pg_wrapper (a Perl script, 60–100 ms of start-up) is skipped when eventdb can tell
// which program it would run: the newest versioned pg_dump / pg_restore, as pg_wrapper picks it when
// PGHOST is set (eventdb always sets it). Anything else runs the tool by its name, as before.

let dir: string;
let wrapper: string;
let binroot: string;

function exe(path: string, body = 'exit 0'): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'eventdb-pgtools-'));
  wrapper = join(dir, 'share/pg_wrapper');
  exe(wrapper);
  binroot = join(dir, 'lib/postgresql');
  exe(join(binroot, '9.6/bin/pg_dump'));
  exe(join(binroot, '13/bin/pg_dump'));
  exe(join(binroot, '15/bin/pg_dump'));
  exe(join(binroot, '15/bin/pg_restore'));
  exe(join(binroot, '16/bin/pg_restore')); // 16 has pg_restore only
  exe(join(binroot, '17beta/bin/pg_dump')); // not a version folder pg_wrapper counts
  mkdirSync(join(binroot, '18/bin'), { recursive: true });
  writeFileSync(join(binroot, '18/bin/pg_dump'), '#!/bin/sh\n'); // not executable: pg_wrapper skips it
  mkdirSync(join(dir, 'usr-bin'));
  symlinkSync(wrapper, join(dir, 'usr-bin/pg_dump'));
  symlinkSync(wrapper, join(dir, 'usr-bin/pg_restore'));
  exe(join(dir, 'own-bin/pg_dump'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({ PATH: `${join(dir, 'empty')}:${join(dir, 'usr-bin')}:/bin`, PGHOST: 'db.example', PGPORT: '5432', ...extra });

describe('resolveTool', () => {
  it('the tool on PATH is pg_wrapper: the newest executable versioned program, compared as numbers, with PGSYSCONFDIR as pg_wrapper sets it', () => {
    const d = resolveTool('pg_dump', env(), { wrapper, binroot });
    expect(d).toEqual({ command: join(binroot, '15/bin/pg_dump'), env: { PGSYSCONFDIR: '/etc/postgresql-common' }, viaWrapper: true });
    expect(resolveTool('pg_restore', env(), { wrapper, binroot }).command).toBe(join(binroot, '16/bin/pg_restore'));
    // A PGSYSCONFDIR of the caller's is kept, as pg_wrapper keeps it (//=).
    expect(resolveTool('pg_dump', env({ PGSYSCONFDIR: '/srv/pg' }), { wrapper, binroot }).env).toEqual({ PGSYSCONFDIR: '/srv/pg' });
  });

  it('anything pg_wrapper would decide otherwise, or another pg_dump first on PATH: the tool by its name, nothing added', () => {
    const plain = { command: 'pg_dump', env: {} };
    expect(resolveTool('pg_dump', env({ PATH: `${join(dir, 'own-bin')}:${join(dir, 'usr-bin')}` }), { wrapper, binroot })).toEqual(plain);
    const noHost = env();
    delete noHost.PGHOST; // pg_wrapper would look for a local cluster
    expect(resolveTool('pg_dump', noHost, { wrapper, binroot })).toEqual(plain);
    expect(resolveTool('pg_dump', env({ EVENTDB_PG_WRAPPER: 'keep' }), { wrapper, binroot })).toEqual(plain);
    expect(resolveTool('pg_dump', env({ PATH: join(dir, 'empty') }), { wrapper, binroot })).toEqual(plain); // absent: spawn says ENOENT, as before
    expect(resolveTool('pg_dump', env(), { wrapper, binroot: join(dir, 'no-such-root') })).toEqual(plain);
    expect(resolveTool('pg_dump', env(), { wrapper: join(dir, 'other-wrapper'), binroot })).toEqual(plain);
  });
});

describe.runIf(existsSync(PG_WRAPPER) && existsSync('/usr/bin/pg_dump') && realpathSync('/usr/bin/pg_dump') === realpathSync(PG_WRAPPER))('on this Debian machine', () => {
  it('the program run directly is the one pg_wrapper runs with libpq\'s environment (the same --version)', () => {
    const e = { ...libpqEnv({ host: '127.0.0.1', port: 5432, database: 'postgres', params: {} } as never), PATH: `/usr/bin:${process.env.PATH}` };
    for (const tool of ['pg_dump', 'pg_restore'] as const) {
      const t = resolveTool(tool, e);
      expect(t.viaWrapper).toBe(true);
      expect(t.command).toMatch(new RegExp(`^/usr/lib/postgresql/[0-9.]+/bin/${tool}$`));
      const viaWrapper = execFileSync(tool, ['--version'], { env: e, encoding: 'utf8' });
      const direct = execFileSync(t.command, ['--version'], { env: { ...e, ...t.env }, encoding: 'utf8' });
      expect(direct).toBe(viaWrapper);
    }
  });
});
