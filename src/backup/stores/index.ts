import { isAbsolute, resolve } from 'node:path';
import { redactUrl } from '../../config/index.js';
import { EventdbError } from '../../errors.js';
import type { Store } from './types.js';

export type * from './types.js';

/**
 * What a store module exports (`file.ts`, `s3.ts` …): a factory that builds the store for a parsed
 * URL. The module is imported only when a store of its kind is opened, so `eventdb --help` and file
 * stores never load the AWS SDK.
 */
export interface StoreModule {
  createStore(loc: StoreUrl, env: NodeJS.ProcessEnv): Store;
}

/** One registered store kind: how its URL is laid out, an example for hints, and its module. */
export interface StoreEntry {
  /** `path`: `kind:./dir`, `kind:///abs` (and, for `file`, a bare path); `bucket`: `kind://bucket/prefix?k=v`. */
  readonly url: 'path' | 'bucket';
  readonly example: string;
  load(): Promise<StoreModule>;
}

/**
 * The store registry: URL scheme → store. Adding a store is one module exporting `createStore`, one
 * line here, and one entry in test/backup/store-contract.test.ts (see docs in README "Stores").
 */
export const STORES = {
  file: { url: 'path', example: 'file:./backups', load: () => import('./file.js') },
  s3: { url: 'bucket', example: 's3://bucket/prefix', load: () => import('./s3.js') },
  r2: { url: 'bucket', example: 'r2://bucket/prefix', load: () => import('./s3.js') },
} as const satisfies Record<string, StoreEntry>;

export type StoreKind = keyof typeof STORES;

export interface StoreUrl {
  kind: StoreKind;
  /** `path` URLs: absolute folder. */
  path?: string;
  /** `bucket` URLs: the bucket and the key prefix inside it (no leading or trailing slash). */
  bucket?: string;
  prefix?: string;
  params: Record<string, string>;
}

function entryOf(scheme: string): StoreEntry | undefined {
  return Object.hasOwn(STORES, scheme) ? (STORES as Record<string, StoreEntry>)[scheme] : undefined;
}

/** `file:./backups, s3://bucket/prefix or r2://bucket/prefix` — every registered kind. */
export function storeExamples(): string {
  const ex = Object.values(STORES).map((s) => s.example);
  return ex.length > 1 ? `${ex.slice(0, -1).join(', ')} or ${ex[ex.length - 1]}` : (ex[0] ?? '');
}

/** Parses `file:./backups`, `file:///abs`, a bare path, `s3://bucket/prefix?…`, `r2://bucket/prefix` — any registered scheme. */
export function parseStoreUrl(url: string, cwd: string): StoreUrl {
  const raw = url.trim();
  if (!raw) throw new EventdbError('BAD_URL', 'the store URL is empty', `use ${storeExamples()}`);
  const m = /^([a-z][a-z0-9+.-]*):(.*)$/i.exec(raw);
  // No scheme, or a one-letter one (a Windows drive, C:\backups): a folder.
  const scheme = !m || m[1]!.length === 1 ? 'file' : m[1]!.toLowerCase();
  const entry = entryOf(scheme);
  if (!entry) {
    const known = Object.entries(STORES).map(([k, s]) => `${k}:${s.url === 'bucket' ? '//' : ''}`).join(', ');
    throw new EventdbError('BAD_URL', `unsupported store URL scheme "${scheme}:"`, `known store schemes: ${known} — e.g. ${storeExamples()}`);
  }
  const kind = scheme as StoreKind;
  if (entry.url === 'path') {
    let p = m && m[1]!.length > 1 ? m[2]! : raw;
    if (p.startsWith('//')) p = p.slice(2);
    if (!p) throw new EventdbError('BAD_URL', `store URL ${raw} has no path`, `use ${entry.example}`);
    return { kind, path: isAbsolute(p) ? p : resolve(cwd, p), params: {} };
  }
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new EventdbError('BAD_URL', `malformed store URL ${redactUrl(raw)}`, `expected ${scheme}://bucket/prefix`);
  }
  if (!u.hostname) throw new EventdbError('BAD_URL', `store URL ${redactUrl(raw)} has no bucket`, `expected ${scheme}://bucket/prefix`);
  const params: Record<string, string> = {};
  for (const [k, v] of u.searchParams) params[k] = v;
  // An endpoint the SDK cannot use failed later as "TypeError: Invalid URL" with a retry hint (exit 1).
  if (params.endpoint !== undefined && !/^https?:\/\/[^/?#\s]+/i.test(params.endpoint)) {
    throw new EventdbError('BAD_URL', `store URL ${redactUrl(raw)}: endpoint is not an http(s) URL`, `e.g. ${scheme}://bucket/prefix?endpoint=https://s3.example.com`);
  }
  return { kind, bucket: u.hostname, prefix: decodeURIComponent(u.pathname).replace(/^\/+|\/+$/g, ''), params };
}

/** The registered kind a store URL names, or 'unknown' (never throws): for checks that describe a store. */
export function storeKindOf(url: string, cwd = process.cwd()): StoreKind | 'unknown' {
  try {
    return parseStoreUrl(url, cwd).kind;
  } catch {
    return 'unknown';
  }
}

/** Opens the store a URL names (or a URL parsed already), loading only that store's module. */
export async function openStore(url: string | StoreUrl, opts: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<Store> {
  const loc = typeof url === 'string' ? parseStoreUrl(url, opts.cwd) : url;
  const mod = await STORES[loc.kind].load();
  return mod.createStore(loc, opts.env ?? process.env);
}
