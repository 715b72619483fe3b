import { spawnSync } from 'node:child_process';
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
