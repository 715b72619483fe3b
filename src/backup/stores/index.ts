import { isAbsolute, resolve } from 'node:path';
import { redactUrl } from '../../config/index.js';
import { registerUrlSecret } from '../../config/redact.js';
import { EventdbError } from '../../errors.js';
import { describeName } from '../names.js';
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
  /** Where the store's keys come from (for the hint when a URL carries credentials); none for a folder. */
  readonly credentials?: string;
  /** The `?option=value` settings its URL takes (its module reads them from `StoreUrl.params`); any other is BAD_URL. */
  readonly options: readonly string[];
  load(): Promise<StoreModule>;
}

/**
 * The store registry: URL scheme → store. Adding a store is one module exporting `createStore`, one
 * line here, and one entry in test/backup/store-contract.test.ts (see docs in README "Stores").
 */
const UPLOAD_OPTIONS = ['endpoint', 'checksums', 'partSize', 'concurrency', 'maxAttempts'] as const;

export const STORES = {
  file: { url: 'path', example: 'file:./backups', options: [], load: () => import('./file.js') },
  s3: { url: 'bucket', example: 's3://bucket/prefix', credentials: 'AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN)', options: [...UPLOAD_OPTIONS, 'region', 'pathStyle'], load: () => import('./s3.js') },
  // R2's region is `auto` and its addressing path-style: no ?region= or ?pathStyle=.
  r2: { url: 'bucket', example: 'r2://bucket/prefix', credentials: 'R2_ACCESS_KEY_ID and R2_SECRET_ACCESS_KEY', options: UPLOAD_OPTIONS, load: () => import('./s3.js') },
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

/**
 * A store URL as messages show it: its whole user info (up to the URL's last `@`, as redact.ts finds
 * it) becomes `***` — a store URL takes no credentials, so whatever is there is an access key or a
 * password — and `?password=` is removed too.
 */
export function shownStoreUrl(url: string): string {
  const m = /^(\s*[a-z][a-z0-9+.-]*:\/\/)([\s\S]*)$/i.exec(url);
  const at = m ? m[2]!.lastIndexOf('@') : -1;
  return redactUrl(m && at >= 0 ? `${m[1]}***${m[2]!.slice(at)}` : url);
}

function safeDecode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

/**
 * The authority of `scheme://authority/…` read from the raw text (a URL with a password in it may not
 * parse), and whether it holds user info: an `@` in it, or a `user:pass…` whose password runs on
 * (with a `/`, `?` or `#` in it) to an `@` further on.
 */
function authorityOf(raw: string): { authority: string; rest: string; userInfo: boolean } | undefined {
  const m = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)([\s\S]*)$/i.exec(raw);
  if (!m) return undefined;
  const authority = m[1]!;
  const rest = m[2]!;
  return { authority, rest, userInfo: authority.includes('@') || (authority.includes(':') && rest.includes('@')) };
}

function credentialsInUrl(shown: string, scheme: string, entry: StoreEntry, where = 'the URL'): EventdbError {
  const hint = entry.credentials
    ? `remove them and set ${entry.credentials} in the environment (README "Stores")`
    : `a ${scheme}: URL names a local folder: use ${scheme}:///abs/path or ${entry.example}`;
  return new EventdbError('BAD_URL', `store URL ${shown}: credentials do not go in ${where}`, hint);
}

/**
 * BAD_URL for a query option the store does not take (`?endpiont=` for `?endpoint=`): ignored, the typo
 * silently used the default. Names the option (never its value: it may be a key) and the known ones.
 */
function checkOptions(names: string[], scheme: string, entry: StoreEntry, shown: string): void {
  const seen = new Set<string>();
  for (const name of names) {
    const option = describeName(name.length > 40 ? `${name.slice(0, 40)}…` : name);
    if (seen.has(name)) throw new EventdbError('BAD_URL', `store URL ${shown}: option ${option} is given twice`, 'give each option once');
    seen.add(name);
    if (entry.options.includes(name)) continue;
    const keys = entry.credentials && /key|secret|token|password|credential/i.test(name) ? `; keys go in ${entry.credentials}, never in the URL` : '';
    const hint = entry.options.length
      ? `known options of ${scheme}: URLs: ${entry.options.join(', ')}${keys} (README "Stores")`
      : `a ${scheme}: URL takes no options: remove the "?…" part (a folder whose name has "?" is given as a bare path)`;
    throw new EventdbError('BAD_URL', `store URL ${shown}: unknown option ${option}`, hint);
  }
}

/**
 * Parses `file:./backups`, `file:///abs`, `file://localhost/abs`, a bare path, `s3://bucket/prefix?…`,
 * `r2://bucket/prefix` — any registered scheme. Checks the raw text, not only what `new URL()` makes
 * of it (WHATWG parsing resolves `a/../..` and `%2e%2e` away and drops user info nobody reads): a
 * URL with credentials, a `file:` URL naming another host, a prefix with an empty, `.` or `..` part
 * and an endpoint that is not an http(s) URL are all `BAD_URL` before anything opens.
 */
export function parseStoreUrl(url: string, cwd: string): StoreUrl {
  const raw = url.trim();
  if (!raw) throw new EventdbError('BAD_URL', 'the store URL is empty', `use ${storeExamples()}`);
  registerUrlSecret(raw); // before anything can fail: a password in it is a secret wherever it appears
  const m = /^([a-z][a-z0-9+.-]*):(.*)$/is.exec(raw);
  // No scheme, or a one-letter one (a Windows drive, C:\backups): a folder.
  const scheme = !m || m[1]!.length === 1 ? 'file' : m[1]!.toLowerCase();
  const entry = entryOf(scheme);
  if (!entry) {
    const known = Object.entries(STORES).map(([k, s]) => `${k}:${s.url === 'bucket' ? '//' : ''}`).join(', ');
    throw new EventdbError('BAD_URL', `unsupported store URL scheme "${scheme}:"`, `known store schemes: ${known} — e.g. ${storeExamples()}`);
  }
  const kind = scheme as StoreKind;
  const auth = authorityOf(raw);
  if (auth?.userInfo) throw credentialsInUrl(shownStoreUrl(raw), scheme, entry);
  if (entry.url === 'path') {
    const hasScheme = !!m && m[1]!.length > 1;
    let p = hasScheme ? m[2]! : raw;
    if (hasScheme && auth) {
      // RFC 8089: file://host/path names a file on that host; only "" and "localhost" are this machine.
      if (auth.authority !== '' && auth.authority.toLowerCase() !== 'localhost') {
        throw new EventdbError(
          'BAD_URL',
          `store URL ${shownStoreUrl(raw)} names a host: a ${scheme}: URL takes a local path only (no host, or localhost)`,
          `use ${scheme}:///abs/path, ${scheme}://localhost/abs/path or ${entry.example} (a remote folder must be mounted first)`,
        );
      }
      p = auth.rest;
    }
    // A `file:` URL's `?…` is a query (RFC 3986), not part of the folder's name; a bare path has none.
    const query = hasScheme ? p.indexOf('?') : -1;
    if (query >= 0) {
      checkOptions([...new URLSearchParams(p.slice(query + 1)).keys()], scheme, entry, shownStoreUrl(raw.slice(0, raw.length - (p.length - query))));
      p = p.slice(0, query);
    }
    if (!p) throw new EventdbError('BAD_URL', `store URL ${shownStoreUrl(raw)} has no path`, `use ${entry.example}`);
    return { kind, path: isAbsolute(p) ? p : resolve(cwd, p), params: {} };
  }
  const shown = shownStoreUrl(raw);
  const expected = `expected ${scheme}://bucket/prefix`;
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new EventdbError('BAD_URL', `malformed store URL ${shown}`, expected);
  }
  if (!u.hostname) throw new EventdbError('BAD_URL', `store URL ${shown} has no bucket`, expected);
  if (auth?.authority.includes(':')) {
    throw new EventdbError('BAD_URL', `store URL ${shown}: a bucket has no port`, `an endpoint goes in the query: ${scheme}://bucket/prefix?endpoint=http://host:port`);
  }
  if (!/^[a-z0-9][a-z0-9._-]*$/i.test(u.hostname)) {
    throw new EventdbError('BAD_URL', `store URL ${shown} has an invalid bucket name`, `a bucket name is letters, digits, ".", "-" and "_"; ${expected}`);
  }
  // The prefix from the raw text: new URL() would have resolved `..` and `%2e%2e` parts away.
  const rawPath = (auth?.rest ?? '').replace(/[?#][\s\S]*$/, '');
  const body = rawPath.replace(/^\//, '').replace(/\/$/, '');
  const parts = body === '' ? [] : body.split('/').map(safeDecode);
  if (parts.some((p) => p === undefined)) {
    throw new EventdbError('BAD_URL', `store URL ${shown}: the prefix has invalid percent-encoding`, `encode a prefix's special characters as %XX (e.g. %20 for a space); ${expected}`);
  }
  const hint = `a prefix is /-separated names without empty, "." or ".." parts, e.g. ${entry.example}`;
  if (parts.some((p) => p === '' || p === '.' || p === '..')) throw new EventdbError('BAD_URL', `store URL ${shown}: the prefix has an empty, "." or ".." part`, hint);
  // eslint-disable-next-line no-control-regex
  if (parts.some((p) => /[\\\u0000-\u001f\u007f]/.test(p!))) throw new EventdbError('BAD_URL', `store URL ${shown}: the prefix has a backslash or a control character`, hint);
  // Shown without the query: an unknown option's value may be a key.
  checkOptions([...u.searchParams.keys()], scheme, entry, `${scheme}://${u.hostname}${rawPath}`);
  const params: Record<string, string> = {};
  for (const [k, v] of u.searchParams) params[k] = v;
  // An endpoint the SDK cannot use failed later as "TypeError: Invalid URL" with a retry hint (exit 1).
  if (params.endpoint !== undefined) {
    let ep: URL | undefined;
    try {
      ep = /^https?:\/\/[^/?#\s]+/i.test(params.endpoint) ? new URL(params.endpoint) : undefined;
    } catch {
      ep = undefined;
    }
    if (!ep || !/^https?:$/.test(ep.protocol) || !ep.hostname) {
      throw new EventdbError('BAD_URL', `store URL ${shown}: endpoint is not an http(s) URL`, `e.g. ${scheme}://bucket/prefix?endpoint=https://s3.example.com`);
    }
    if (ep.username || ep.password) throw credentialsInUrl(`${scheme}://${u.hostname}${rawPath}?endpoint=***`, scheme, entry, 'the endpoint');
  }
  return { kind, bucket: u.hostname, prefix: parts.join('/'), params };
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
