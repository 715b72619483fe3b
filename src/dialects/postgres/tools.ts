import { spawnSync } from 'node:child_process';
import { accessSync, constants, readdirSync, realpathSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
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

/** Debian's (and Ubuntu's) pg_wrapper, which /usr/bin/pg_dump and /usr/bin/pg_restore link to. */
export const PG_WRAPPER = '/usr/share/postgresql-common/pg_wrapper';
/** Where pg_wrapper finds the client tools of each version (PgCommon.pm's $binroot on Debian). */
export const PG_BINROOT = '/usr/lib/postgresql';

/** A client tool to spawn: the command, and the environment to add to libpq's. */
export interface ResolvedTool {
  command: string;
  env: NodeJS.ProcessEnv;
  /** Set when the command is the program pg_wrapper would have run (`command` is then its path). */
  viaWrapper?: boolean;
}

/** The first executable `tool` on PATH, as execvp finds it (spawn's own lookup), or undefined. */
function onPath(tool: string, path: string): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, tool);
    try {
      accessSync(p, constants.X_OK);
      if (statSync(p).isFile()) return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * The program Debian's pg_wrapper runs for `tool` when PGHOST is set (eventdb always sets it, see
 * libpqEnv): with an explicit host it skips every cluster lookup and runs the newest installed version
 * that has the tool, `<binroot><version>/bin/<tool>` (pg_wrapper: `get_newest_version($cmdname)`;
 * PgCommon.pm: versions are the folders named like `\d+\.?\d+`, compared as numbers, whose tool is
 * executable). Undefined when that cannot be told for certain.
 */
function newestVersioned(tool: string, binroot: string): string | undefined {
  let best: { v: number; path: string } | undefined;
  let entries: string[];
  try {
    entries = readdirSync(binroot);
  } catch {
    return undefined;
  }
  for (const e of entries) {
    if (!/^\d+\.?\d+$/.test(e)) continue;
    const p = join(binroot, e, 'bin', tool);
    try {
      accessSync(p, constants.X_OK);
    } catch {
      continue;
    }
    const v = Number(e);
    if (!best || v > best.v) best = { v, path: p };
  }
  return best?.path;
}

/** pg_wrapper's program per tool, PATH, wrapper and binroot ('' when the tool runs by its name). */
const resolved = new Map<string, string>();

/**
 * How to start `pg_dump` or `pg_restore` with `env` (libpqEnv's, PGHOST set). When the tool on PATH is
 * Debian's pg_wrapper — a Perl script, 60–100 ms of start-up before the real program runs (#18) — the
 * program it would pick is run directly, with the one variable pg_wrapper adds (PGSYSCONFDIR, where
 * libpq finds pg_service.conf). Anything else (another tool first on PATH, no PGHOST, no versioned
 * program, EVENTDB_PG_WRAPPER=keep) runs the tool by its name, as before. Looked up once per PATH.
 */
export function resolveTool(tool: 'pg_dump' | 'pg_restore', env: NodeJS.ProcessEnv, opts: { wrapper?: string; binroot?: string } = {}): ResolvedTool {
  const plain: ResolvedTool = { command: tool, env: {} };
  if (env.PGHOST === undefined || env.EVENTDB_PG_WRAPPER === 'keep') return plain;
  const path = env.PATH ?? process.env.PATH ?? '';
  const wrapper = opts.wrapper ?? PG_WRAPPER;
  const binroot = opts.binroot ?? PG_BINROOT;
  const key = `${tool}\0${path}\0${wrapper}\0${binroot}`;
  let direct = resolved.get(key);
  if (direct === undefined) {
    direct = '';
    const found = onPath(tool, path);
    if (found !== undefined && realpathOr(found) === realpathOr(wrapper)) direct = newestVersioned(tool, binroot) ?? '';
    resolved.set(key, direct);
  }
  return direct ? { command: direct, env: { PGSYSCONFDIR: env.PGSYSCONFDIR ?? '/etc/postgresql-common' }, viaWrapper: true } : plain;
}

function realpathOr(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

/** Major version of a client tool on PATH (`pg_dump`, `pg_restore`), or undefined when absent. */
export function toolVersion(tool: string): { major: number; text: string } | undefined {
  const r = spawnSync(tool, ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return undefined;
  const m = /(\d+)(?:\.(\d+))?/.exec(r.stdout);
  return m ? { major: Number(m[1]), text: r.stdout.trim() } : undefined;
}

/**
 * What pg_dump or pg_restore said went wrong: its first error line and the statement it names on the
 * line after (`Command was: …`, `detail: Query was: …`, first line only) — not the last line of its
 * stderr, which is the tail of that statement (`   FROM test.infinite_recursion;`) or the detail alone.
 */
export function toolError(stderr: string, tool: 'pg_dump' | 'pg_restore'): string {
  const lines = stderr.split('\n');
  const prefix = `${tool}: error: `;
  const i = lines.findIndex((l) => l.startsWith(prefix));
  if (i === -1) return lines.map((l) => l.trim()).filter(Boolean).pop() ?? '';
  const error = lines[i]!.slice(prefix.length).replace(/^(could not execute query|query failed): /, '');
  const statement = lines
    .slice(i + 1)
    .map((l) => /^(?:Command was: |[\w_]+: detail: Query was: )(.*)$/.exec(l)?.[1])
    .find((x) => x !== undefined);
  return statement ? `${error} (running: ${statement.trim()})` : error;
}
