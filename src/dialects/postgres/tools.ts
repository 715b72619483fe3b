import { execFile, spawnSync } from 'node:child_process';
import type { PostgresParams } from '../../config/url.js';

/** Environment for pg_dump / pg_restore: the password goes in PGPASSWORD, never on the command line. */
export function libpqEnv(p: PostgresParams, database = p.database): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PGHOST: p.host, PGPORT: String(p.port), PGDATABASE: database, PGAPPNAME: 'eventdb' };
  const user = p.user ?? process.env.PGUSER;
  if (user) env.PGUSER = user;
  const password = p.password ?? process.env.PGPASSWORD;
  if (password) env.PGPASSWORD = password;
  if (p.sslmode) env.PGSSLMODE = p.sslmode === 'no-verify' ? 'require' : p.sslmode;
  return env;
}

/** Major version of a client tool on PATH (`pg_dump`, `pg_restore`), or undefined when absent. */
export function toolVersion(tool: string): { major: number; text: string } | undefined {
  const r = spawnSync(tool, ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return undefined;
  const m = /(\d+)(?:\.(\d+))?/.exec(r.stdout);
  return m ? { major: Number(m[1]), text: r.stdout.trim() } : undefined;
}

/** toolVersion without blocking: the tool starts while other work (connecting, counting) goes on. */
export function toolVersionAsync(tool: string): Promise<{ major: number; text: string } | undefined> {
  return new Promise((resolve) => {
    execFile(tool, ['--version'], { encoding: 'utf8' }, (err, stdout) => {
      const m = err ? null : /(\d+)(?:\.(\d+))?/.exec(stdout);
      resolve(m ? { major: Number(m[1]), text: stdout.trim() } : undefined);
    });
  });
}

/** Why pg_dump (of version `v`, as toolVersion tells it) cannot be used here, or undefined when it can. */
export function pgDumpProblem(serverMajor: number, v: { major: number; text: string } | undefined): { problem?: string; version?: { major: number; text: string } } {
  if (!v) return { problem: 'pg_dump is not on PATH' };
  if (v.major < serverMajor) return { problem: `pg_dump ${v.major} is older than the server (${serverMajor}) and cannot dump it`, version: v };
  return { version: v };
}
