import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { messageOf } from '../../errors.js';
import type { CheckDefinition, CheckOutcome } from '../types.js';

/** The store answers: a file folder exists and is writable; a bucket can be listed (the R2 sync check). */
export const storageCheck: CheckDefinition = {
  name: 'storage',
  needsConnection: false,
  async run(ctx): Promise<CheckOutcome> {
    const url = ctx.config.store;
    const { openStore, parseStoreUrl, storeKindOf } = await import('../../backup/stores/index.js');
    const kind = storeKindOf(url, ctx.config.cwd);
    // A store kept in a folder (the registry's `path` URLs) is checked here; a bucket is listed below.
    const path = kind === 'unknown' ? undefined : parseStoreUrl(url, ctx.config.cwd).path;
    if (path !== undefined) {
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
