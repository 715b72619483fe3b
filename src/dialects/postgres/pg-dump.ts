import { spawn } from 'node:child_process';
import { PassThrough, type Readable } from 'node:stream';
import type { PostgresParams } from '../../config/url.js';
import { EventdbError, messageOf } from '../../errors.js';
import { libpqEnv, resolveTool, toolError } from './tools.js';
import { mark } from '../../trace.js';
import { onInterrupt } from '../../interrupt-cleanup.js';

/** pg_dump's own version, as its archive header states it (`text` is what `pg_dump --version` prints). */
export interface PgDumpVersion {
  major: number;
  text: string;
}

/** A running pg_dump whose archive has begun: its bytes, and the version its header states. */
export interface PgDumpStarted {
  stream: Readable;
  version: PgDumpVersion;
}

/** pg_dump could not be used here (absent, or older than the server): why, for the manifest's note. */
export interface PgDumpUnusable {
  problem: string;
  version?: PgDumpVersion;
}

/**
 * Reads pg_dump's version from the start of a custom-format archive (pg_backup_archiver.c, WriteHead):
 * "PGDMP", archive version (3 bytes), int size, offset size, format, the compression (a byte from
 * archive 1.15, an int before), seven ints of the creation time, then three strings: the database's
 * name, the server's version and pg_dump's version. An int is a sign byte and `intSize` bytes, little
 * endian; a string is its length as an int, then the bytes. Returns undefined until `head` holds all
 * of it; throws when it is not such an archive.
 */
export function archiveDumpVersion(head: Buffer): PgDumpVersion | undefined {
  if (head.length < 11) return undefined;
  if (head.toString('latin1', 0, 5) !== 'PGDMP') throw new Error('pg_dump wrote no custom-format archive header');
  const [vmaj, vmin, , intSize] = [head[5]!, head[6]!, head[7]!, head[8]!];
  if (intSize < 1 || intSize > 8) throw new Error(`pg_dump's archive header states an int size of ${intSize}`);
  let at = 11;
  const int = (): number | undefined => {
    if (at + 1 + intSize > head.length) return undefined;
    let v = 0;
    for (let i = intSize - 1; i >= 0; i--) v = v * 256 + head[at + 1 + i]!;
    const negative = head[at] !== 0;
    at += 1 + intSize;
    return negative ? -v : v;
  };
  const str = (): string | null | undefined => {
    const n = int();
    if (n === undefined) return undefined;
    if (n < 0) return null;
    if (at + n > head.length) return undefined;
    const s = head.toString('utf8', at, at + n);
    at += n;
    return s;
  };
  if (vmaj > 1 || (vmaj === 1 && vmin >= 15)) at += 1; // compression algorithm (a byte)
  else if (int() === undefined) return undefined; // compression level
  for (let i = 0; i < 7; i++) if (int() === undefined) return undefined; // creation time
  for (let i = 0; i < 2; i++) if (str() === undefined) return undefined; // database name, server version
  const dumpVersion = str();
  if (dumpVersion === undefined) return undefined;
  const m = /^(\d+)/.exec(dumpVersion ?? '');
  if (!m) throw new Error(`pg_dump's archive header states no version ("${dumpVersion}")`);
  return { major: Number(m[1]), text: `pg_dump (PostgreSQL) ${dumpVersion}` };
}

/**
 * Starts pg_dump on the exported snapshot `snapshotId` and waits for its archive's header: no
 * `pg_dump --version` runs first (#18 fixed cost: through Debian's pg_wrapper that was a second
 * Perl start, 60–170 ms before the dump could begin); the version is the one the header states.
 * Resolves to the running dump, or to why pg_dump cannot be used: not on PATH, or older than the
 * server (it refuses, "server version mismatch", before writing anything). Any other failure rejects
 * with BACKUP_FAILED carrying pg_dump's message.
 *
 * The archive streams out as `stream` (its exit status surfaces as a stream error). pg_dump
 * compresses each table's data itself at level 1 (-Z1), in its own process: measured on pgbench
 * scale 20 (a 321 MB database), -Z0 made eventdb carry a 204 MB archive through Node to compress it
 * and, at restore, to decompress it and pipe it into pg_restore; with -Z1 the archive is 5.7 MB and
 * pg_dump spends half the CPU of its default level (0.46 s against 0.85 s). The store's codec still
 * wraps the archive (it shrinks the archive's table of contents); archives of either kind restore
 * with pg_restore.
 */
export function startPgDump(p: PostgresParams, snapshotId: string): Promise<PgDumpStarted | PgDumpUnusable> {
  return new Promise((resolve, reject) => {
    const out = new PassThrough({ highWaterMark: 1 << 20 });
    // Debian's pg_wrapper is skipped: the pg_dump it would run starts directly (tools.ts, #18).
    const env = libpqEnv(p);
    const tool = resolveTool('pg_dump', env);
    const child = spawn(tool.command, ['-Fc', '-Z1', `--snapshot=${snapshotId}`, '--no-sync'], { env: { ...env, ...tool.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    // Interrupted: the child goes too (a signal sent to eventdb alone left it running, orphaned).
    const off = onInterrupt(() => void child.kill('SIGTERM'));
    child.once('exit', off);
    let stderr = '';
    let head: Buffer = Buffer.alloc(0);
    let started = false;
    const lastLine = () => toolError(stderr, 'pg_dump');
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    // Until the header is whole, pg_dump's first bytes are held here; then they and the rest flow to `out`.
    const onHead = (d: Buffer) => {
      head = Buffer.concat([head, d]);
      let version: PgDumpVersion | undefined;
      try {
        version = archiveDumpVersion(head);
      } catch (e) {
        child.stdout.off('data', onHead);
        child.kill('SIGTERM');
        reject(new EventdbError('BACKUP_FAILED', `pg_dump's output cannot be read: ${messageOf(e)}`, "check that pg_dump on PATH is PostgreSQL's, or set EVENTDB_PG_DUMP=never to use eventdb's own dump"));
        return;
      }
      if (!version) return;
      child.stdout.off('data', onHead);
      started = true;
      mark('pg_dump archive header');
      out.write(head);
      child.stdout.pipe(out, { end: false });
      resolve({ stream: out, version });
    };
    child.stdout.on('data', onHead);
    child.on('error', (e) => {
      const err = new EventdbError('BACKUP_FAILED', `pg_dump failed to start: ${messageOf(e)}`, "check that pg_dump runs, or set EVENTDB_PG_DUMP=never to use eventdb's own dump");
      if (started) out.destroy(err);
      else if ((e as NodeJS.ErrnoException).code === 'ENOENT') resolve({ problem: 'pg_dump is not on PATH' });
      else reject(err);
    });
    mark('pg_dump spawned');
    child.on('close', (code) => {
      mark('pg_dump exited');
      if (started) {
        if (code === 0) out.end();
        else out.destroy(new EventdbError('BACKUP_FAILED', `pg_dump exited with ${code}: ${lastLine()}`, "check pg_dump's message; set EVENTDB_PG_DUMP=never to use eventdb's own dump"));
        return;
      }
      // pg_dump refuses a newer server before writing anything: "server version: 17.2; pg_dump version: 15.20".
      const mismatch = /server version: (\d+)[^;\n]*; pg_dump version: ((\d+)[^\n]*)/.exec(stderr);
      if (mismatch && /version mismatch/.test(stderr)) {
        const version = { major: Number(mismatch[3]), text: `pg_dump (PostgreSQL) ${mismatch[2]!.trim()}` };
        resolve({ problem: `pg_dump ${version.major} is older than the server (${mismatch[1]}) and cannot dump it`, version });
        return;
      }
      if (code === 0) reject(new EventdbError('BACKUP_FAILED', `pg_dump ended without writing an archive${head.length ? ` (${head.length} bytes, no whole header)` : ''}`, "check that pg_dump on PATH is PostgreSQL's, or set EVENTDB_PG_DUMP=never to use eventdb's own dump"));
      else reject(new EventdbError('BACKUP_FAILED', `pg_dump exited with ${code}: ${lastLine()}`, "check pg_dump's message; set EVENTDB_PG_DUMP=never to use eventdb's own dump"));
    });
    out.on('close', () => {
      if (child.exitCode === null) child.kill('SIGTERM');
    });
  });
}
