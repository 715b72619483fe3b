import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { messageOf } from '../../errors.js';
import type { CheckDefinition, CheckOutcome } from '../types.js';

/** Where the store points: `file:` folders are checked here; s3/r2 go through the backup module. */
export function storeKind(url: string): 'file' | 's3' | 'r2' | 'unknown' {
  if (/^file:/i.test(url) || !/^[a-z][a-z0-9+.-]*:/i.test(url)) return 'file';
  if (/^s3:/i.test(url)) return 's3';
  if (/^r2:/i.test(url)) return 'r2';
  return 'unknown';
}

export function filePathOf(url: string, cwd: string): string {
  return resolve(cwd, url.replace(/^file:(\/\/)?/i, ''));
}

/** The store answers: a file folder exists and is writable; a bucket can be listed (the R2 sync check). */
export const storageCheck: CheckDefinition = {
  name: 'storage',
  needsConnection: false,
  async run(ctx): Promise<CheckOutcome> {
    const url = ctx.config.store;
    const kind = storeKind(url);
    if (kind === 'file') {
      const path = filePathOf(url, ctx.config.cwd);
      if (!existsSync(path)) {
        return { status: ctx.production ? 'fail' : 'warn', message: `backup folder ${path} does not exist yet (created by the first backup)`, details: { kind, path } };
      }
      if (!statSync(path).isDirectory()) return { status: 'fail', message: `backup store ${path} is not a folder`, details: { kind, path } };
      try {
        accessSync(path, constants.W_OK);
      } catch {
        return { status: 'fail', message: `backup folder ${path} is not writable`, details: { kind, path } };
      }
      return { status: 'ok', message: `backup folder ${path} is writable`, details: { kind, path } };
    }
    const { openStore } = await import('../../backup/stores/index.js');
    const started = performance.now();
    try {
      const store = await openStore(url, { cwd: ctx.config.cwd });
      const it = store.list('')[Symbol.asyncIterator]();
      await it.next();
      await it.return?.();
    } catch (e) {
      return { status: 'fail', message: `store ${url} does not answer: ${messageOf(e)}`, details: { kind, url } };
    }
    const ms = performance.now() - started;
    return { status: 'ok', message: `store ${url} answers (${ms.toFixed(0)} ms)`, details: { kind, url, latencyMs: Math.round(ms) } };
  },
};
