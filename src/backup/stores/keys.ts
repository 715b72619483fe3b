import { EventdbError } from '../../errors.js';

/**
 * Object keys are `/`-separated names relative to the store's root: no empty, `.` or `..` part, no
 * backslash, no control character, at most 1024 bytes (the S3 limit). Every store checks keys with
 * this before touching anything, so a key means the same object on every store and never escapes
 * the root. A list prefix is a key, a key followed by `/`, or '' (everything).
 */
export function checkKey(key: string, opts: { prefix?: boolean } = {}): string {
  const body = opts.prefix ? key.replace(/\/$/, '') : key;
  if (opts.prefix && key === '') return key;
  const parts = body.split('/');
  // eslint-disable-next-line no-control-regex
  const bad = body === '' || Buffer.byteLength(key) > 1024 || /[\\\u0000-\u001f\u007f]/.test(body) || parts.some((p) => p === '' || p === '.' || p === '..');
  if (bad) throw new EventdbError('STORE_FAILED', `invalid object key "${key.replace(/[^\x20-\x7e]/g, '?')}"`, 'object keys are /-separated names without empty, "." or ".." parts, and must stay inside the store');
  return key;
}
