import { spawn } from 'node:child_process';
import type { PostgresParams } from '../../config/url.js';
import { EventdbError, messageOf } from '../../errors.js';
import { libpqEnv, resolveTool, toolError } from './tools.js';
import { mark } from '../../trace.js';
import { onInterrupt } from '../../interrupt-cleanup.js';

/**
 * Writes a download into pg_restore's stdin. When pg_restore stops reading (it has what it needs, or
 * it failed) the rest is still read and dropped, so the checksum of the whole object is computed.
 */
async function feed(data: NodeJS.ReadableStream, stdin: NodeJS.WritableStream & { writable: boolean }, ready: Promise<void>): Promise<void> {
  await ready;
  let open = true;
  const closed = new Promise<void>((resolve) => {
    stdin.on('error', () => {
      open = false;
      resolve();
    });
    stdin.on('close', () => {
      open = false;
      resolve();
    });
  });
  for await (const chunk of data as AsyncIterable<Buffer>) {
    if (!open) continue;
    if (!stdin.write(chunk)) await Promise.race([new Promise<void>((r) => stdin.once('drain', () => r())), closed]);
  }
  if (open) stdin.end();
}

/**
 * Runs pg_restore into `database`, the archive streamed into its stdin (read in archive order). The
 * process starts at once; its stdin is fed once `ready` resolves (the database exists: pg_restore
 * connects only after it has read the archive's table of contents). When `ready` rejects, pg_restore
 * is stopped and the promise rejects with that reason.
 */
export function pgRestore(p: PostgresParams, database: string, input: NodeJS.ReadableStream, ready: Promise<void> = Promise.resolve()): Promise<void> {
  return new Promise((resolve, reject) => {
    const args = ['--no-owner', '--no-acl', '--exit-on-error', '--single-transaction', '-d', database];
    // Debian's pg_wrapper is skipped: the pg_restore it would run starts directly (tools.ts, #18).
    const env = libpqEnv(p, database);
    const tool = resolveTool('pg_restore', env);
    const child = spawn(tool.command, args, { env: { ...env, ...tool.env }, stdio: ['pipe', 'ignore', 'pipe'] });
    // Interrupted: the child goes too (a signal sent to eventdb alone left it running, orphaned).
    const off = onInterrupt(() => void child.kill('SIGTERM'));
    child.once('exit', off);
    mark('pg_restore spawned');
    ready.catch(reject);
    const fed = feed(input, child.stdin!, ready);
    // The download failed (checksum, store, decryption): stop pg_restore, which waits for more input.
    fed.catch(() => {
      child.stdin?.destroy();
      child.kill('SIGTERM');
    });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    // No `pg_restore --version` runs first (#18): an absent pg_restore is told by its spawn failing.
    child.on('error', (e) =>
      reject(
        (e as NodeJS.ErrnoException).code === 'ENOENT'
          ? new EventdbError('PG_RESTORE_MISSING', 'this snapshot was made by pg_dump and pg_restore is not on PATH', 'install the PostgreSQL client tools (apt-get install postgresql-client); nothing was changed')
          : new EventdbError('RESTORE_FAILED', `pg_restore failed to start: ${messageOf(e)}`, 'install the PostgreSQL client tools (pg_restore) matching the snapshot'),
      ),
    );
    child.on('close', (code) => (code === 0 ? fed.then(resolve, reject) : reject(new EventdbError('RESTORE_FAILED', `pg_restore exited with ${code}: ${toolError(stderr, 'pg_restore')}`, 'the original database was not changed; check the message above'))));
  });
}

/** `pg_restore --list` of an archive file: throws CORRUPT_SNAPSHOT when pg_restore cannot read it. */
export function listArchive(path: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const child = spawn('pg_restore', ['--list', path], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new EventdbError('CORRUPT_SNAPSHOT', `pg_restore cannot read the archive: ${stderr.trim().split('\n').pop() ?? code}`, 'use another snapshot (`eventdb backup list`)'))));
  });
}
