import { isAbsolute, resolve } from 'node:path';
import { redactUrl } from '../../config/index.js';
import { EventdbError } from '../../errors.js';
import type { Store } from './types.js';

export type * from './types.js';

export interface StoreUrl {
  kind: 'file' | 's3' | 'r2';
  /** file: absolute folder. */
  path?: string;
  bucket?: string;
  prefix?: string;
  params: Record<string, string>;
}

/** Parses `file:./backups`, `file:///abs`, a bare path, `s3://bucket/prefix?…`, `r2://bucket/prefix`. */
export function parseStoreUrl(url: string, cwd: string): StoreUrl {
  const raw = url.trim();
  if (!raw) throw new EventdbError('BAD_URL', 'the store URL is empty', 'use file:./backups, s3://bucket/prefix or r2://bucket/prefix');
  const m = /^([a-z][a-z0-9+.-]*):(.*)$/i.exec(raw);
  const scheme = m?.[1]?.toLowerCase();
  if (!m || scheme === 'file' || (scheme && scheme.length === 1)) {
    let p = m && scheme === 'file' ? m[2]! : raw;
    if (p.startsWith('//')) p = p.slice(2);
    if (!p) throw new EventdbError('BAD_URL', `store URL ${raw} has no path`, 'use file:./backups');
    return { kind: 'file', path: isAbsolute(p) ? p : resolve(cwd, p), params: {} };
  }
  if (scheme === 's3' || scheme === 'r2') {
    let u: URL;
    try {
      u = new URL(raw);
    } catch {
      throw new EventdbError('BAD_URL', `malformed store URL ${redactUrl(raw)}`, `expected ${scheme}://bucket/prefix`);
    }
    if (!u.hostname) throw new EventdbError('BAD_URL', `store URL ${redactUrl(raw)} has no bucket`, `expected ${scheme}://bucket/prefix`);
    const params: Record<string, string> = {};
    for (const [k, v] of u.searchParams) params[k] = v;
    return { kind: scheme, bucket: u.hostname, prefix: decodeURIComponent(u.pathname).replace(/^\/+|\/+$/g, ''), params };
  }
  throw new EventdbError('BAD_URL', `unsupported store URL scheme "${scheme}:"`, 'use file:./backups, s3://bucket/prefix or r2://bucket/prefix');
}

/** Opens the store a URL names. The AWS SDK is loaded only for s3:// and r2://. */
export async function openStore(url: string, opts: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<Store> {
  const loc = parseStoreUrl(url, opts.cwd);
  if (loc.kind === 'file') {
    const { FileStore } = await import('./file.js');
    return new FileStore(loc.path!);
  }
  const { S3Store, s3Settings } = await import('./s3.js');
  const s3loc = { kind: loc.kind, bucket: loc.bucket!, prefix: loc.prefix ?? '', params: loc.params };
  return new S3Store(s3loc, s3Settings(s3loc, opts.env ?? process.env));
}
