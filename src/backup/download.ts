import { createWriteStream } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { EventdbError, messageOf } from '../errors.js';
import { decompressor, decryptStream, meter, type Compression, type EncryptionKeys } from './codec.js';
import type { ManifestObject } from './manifest.js';
import type { Store } from './stores/types.js';

function mismatch(obj: ManifestObject, size: number, sha256: string, cause?: unknown): EventdbError {
  return new EventdbError('CORRUPT_SNAPSHOT', `${obj.name} does not match the manifest (${size} of ${obj.size} bytes, SHA-256 ${sha256 === obj.sha256 ? 'ok' : 'differs'})`, 'the stored object is damaged or truncated; use another snapshot (`eventdb backup list`)', cause === undefined ? undefined : { cause });
}

/** The object's codec; anything else in a manifest (written by a newer eventdb, or damaged) is refused. */
function codecOf(obj: ManifestObject): Compression {
  const c = obj.compression as string;
  if (c === 'zstd' || c === 'gzip' || c === 'none') return c;
  throw new EventdbError('CORRUPT_SNAPSHOT', `${obj.name} is compressed with "${String(c).slice(0, 20)}", which this eventdb cannot read`, 'the snapshot was written by a newer eventdb or its manifest is damaged; use another snapshot or a newer eventdb');
}

/**
 * Counts the decompressed bytes, and stops the read as soon as they pass the manifest's `rawSize`: a
 * small object that inflates to gigabytes (a rewritten manifest) was decompressed whole before the
 * sizes were compared.
 */
function rawMeter(obj: ManifestObject): ReturnType<typeof meter> {
  return meter({ hash: false, limit: { bytes: obj.rawSize, error: () => new EventdbError('CORRUPT_SNAPSHOT', `${obj.name} decompresses to more than the ${obj.rawSize} bytes the manifest says`, 'use another snapshot (`eventdb backup list`)') } });
}

/** Checks the counted sizes and hash against the manifest once the object has been read through. */
function checkRead(obj: ManifestObject, stored: ReturnType<typeof meter>, raw: ReturnType<typeof meter>): void {
  if (stored.bytes() !== obj.size || stored.sha256() !== obj.sha256) throw mismatch(obj, stored.bytes(), stored.sha256());
  if (raw.bytes() !== obj.rawSize) throw new EventdbError('CORRUPT_SNAPSHOT', `${obj.name} decompressed to ${raw.bytes()} bytes, the manifest says ${obj.rawSize}`, 'use another snapshot');
}

/** Opens the stored object → (decrypt) chain (the caller adds the decompressor); `stored` counts and hashes the stored bytes. */
async function openChain(store: Store, key: string, obj: ManifestObject, keys: EncryptionKeys, onBytes?: (storedBytes: number) => void): Promise<{ stored: ReturnType<typeof meter>; stream: Readable }> {
  const stored = meter({ onBytes });
  const body = await store.get(key);
  body.on('error', (e) => stored.destroy(e));
  let stream: Readable = body.pipe(stored);
  if (obj.encryption) stream = await decryptStream(stream, obj.encryption, keys);
  return { stored, stream };
}

/**
 * Turns any failure while reading an object into the error to show: a damaged object also fails
 * decryption or decompression, so those are told apart by reading the object's checksum again.
 */
export async function explainReadError(e: unknown, store: Store, key: string, obj: ManifestObject, dest?: string): Promise<unknown> {
  // (A damaged object may also inflate past rawSize: CORRUPT_SNAPSHOT is checked against the hash too.)
  if (!(e instanceof EventdbError) || e.code === 'DECRYPT_FAILED' || e.code === 'CORRUPT_SNAPSHOT') {
    const actual = await hashObject(store, key).catch(() => undefined);
    if (actual && (actual.size !== obj.size || actual.sha256 !== obj.sha256)) return mismatch(obj, actual.size, actual.sha256, e);
  }
  if (e instanceof EventdbError) {
    if (e.code === 'NOT_FOUND') {
      // A folder store's link or special file at the object's name: not an object, and never read.
      const what = (e.details as { notAFile?: boolean } | undefined)?.notAFile ? 'is not a stored object (a symbolic link or special file stands at its name)' : 'is missing from the store';
      return new EventdbError('CORRUPT_SNAPSHOT', `${obj.name} ${what}`, 'the snapshot is incomplete; use another one (`eventdb backup list`)', { cause: e });
    }
    return e;
  }
  const code = (e as { code?: string }).code;
  if (code === 'ENOSPC') return new EventdbError('DISK_FULL', `no space left to write ${dest ?? 'the restore'}`, 'free disk space beside the target (or in EVENTDB_TMPDIR) and retry; nothing was changed', { cause: e });
  if (code?.startsWith('Z_') || /incorrect header|invalid|unexpected end|checksum/i.test(messageOf(e))) {
    return new EventdbError('CORRUPT_SNAPSHOT', `${obj.name} is damaged: ${messageOf(e)}`, 'use another snapshot (`eventdb backup list`)', { cause: e });
  }
  if (/decrypt|tag|mac|stanza|header/i.test(messageOf(e)) && obj.encryption) {
    return new EventdbError('DECRYPT_FAILED', `cannot decrypt ${obj.name}: ${messageOf(e)}`, 'check the key; a damaged object also fails here', { cause: e });
  }
  return new EventdbError('CORRUPT_SNAPSHOT', `cannot read ${obj.name}: ${messageOf(e)}`, 'use another snapshot (`eventdb backup list`)', { cause: e });
}

export interface DownloadOptions {
  /** fsync the file (default true; false for scratch copies that never become the database). */
  fsync?: boolean;
  /** Called as stored bytes arrive (for progress). */
  onBytes?: (storedBytes: number) => void;
}

/**
 * Downloads one object, checks its SHA-256 and size against the manifest, decrypts and decompresses
 * it into `dest`, a new file (fsynced unless `fsync: false`). On any failure `dest` is removed (when this
 * call created it) and
 * CORRUPT_SNAPSHOT, DECRYPT_FAILED, DISK_FULL or a store error is thrown.
 */
export async function downloadVerified(store: Store, key: string, obj: ManifestObject, keys: EncryptionKeys, dest: string, opts: DownloadOptions = {}): Promise<{ rawSize: number }> {
  let out: Readable | undefined;
  // `dest` is created here, exclusively: a file that already exists is never written to or removed.
  let created = false;
  try {
    const { stored, stream } = await openChain(store, key, obj, keys, opts.onBytes);
    const raw = rawMeter(obj);
    out = stream;
    const unpack = await decompressor(codecOf(obj));
    const file = createWriteStream(dest, { flags: 'wx', mode: 0o600 });
    file.once('open', () => (created = true));
    await pipeline(stream, unpack, raw, file);
    checkRead(obj, stored, raw);
    if (opts.fsync !== false) {
      const fh = await open(dest, 'r+');
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
    }
    return { rawSize: raw.bytes() };
  } catch (e) {
    out?.destroy();
    if (created) await rm(dest, { force: true }).catch(() => undefined);
    throw await explainReadError(e, store, key, obj, dest);
  }
}

/** A snapshot object being read as a stream, checked against the manifest when it ends. */
export interface VerifiedStream {
  /** The decrypted, decompressed bytes. Read it through (the check needs every byte). */
  data: Readable;
  /**
   * Settles once `data` has ended or failed: resolves when the object matched the manifest (size,
   * SHA-256, decompressed size), rejects with CORRUPT_SNAPSHOT, DECRYPT_FAILED or a store error.
   * Nothing read from `data` may be made visible before it resolves.
   */
  verified: Promise<{ rawSize: number }>;
  /** Stops the download (the consumer failed); `verified` then rejects. */
  abort(reason?: Error): void;
}

/**
 * Streams one object for a consumer that loads it somewhere invisible until committed (PostgreSQL's
 * new database before the swap): download, check and load overlap instead of following one another.
 */
export async function openVerified(store: Store, key: string, obj: ManifestObject, keys: EncryptionKeys, opts: { onBytes?: (storedBytes: number) => void } = {}): Promise<VerifiedStream> {
  let chain: Awaited<ReturnType<typeof openChain>>;
  try {
    chain = await openChain(store, key, obj, keys, opts.onBytes);
  } catch (e) {
    throw await explainReadError(e, store, key, obj);
  }
  const { stored, stream } = chain;
  const raw = rawMeter(obj);
  let unpack;
  try {
    unpack = await decompressor(codecOf(obj));
  } catch (e) {
    stream.destroy();
    throw await explainReadError(e, store, key, obj);
  }
  const data = stream.pipe(unpack).pipe(raw);
  const parts: Array<NodeJS.EventEmitter & { destroy(e?: Error): void }> = [stream, raw, unpack];
  let aborted: Error | undefined;
  const verified = new Promise<{ rawSize: number }>((resolve, reject) => {
    let settled = false;
    const fail = (e: unknown) => {
      if (settled) return;
      settled = true;
      for (const p of parts) p.destroy();
      if (aborted) {
        // The consumer failed: still say so when the object itself is damaged (the likelier cause).
        hashObject(store, key).then(
          (a) => reject(a.size !== obj.size || a.sha256 !== obj.sha256 ? mismatch(obj, a.size, a.sha256, aborted) : aborted),
          () => reject(aborted),
        );
        return;
      }
      explainReadError(e, store, key, obj).then(reject, reject);
    };
    stream.on('error', fail);
    stored.on('error', fail);
    unpack.on('error', fail);
    raw.on('error', fail);
    raw.on('end', () => {
      if (settled) return;
      try {
        checkRead(obj, stored, raw);
        settled = true;
        resolve({ rawSize: raw.bytes() });
      } catch (e) {
        settled = true;
        reject(e);
      }
    });
    raw.on('close', () => {
      if (!settled && !raw.readableEnded) fail(new Error('the download was stopped'));
    });
  });
  verified.catch(() => undefined);
  return {
    data,
    verified,
    abort: (reason) => {
      aborted = reason ?? new Error('the download was stopped');
      raw.destroy(aborted);
    },
  };
}

/** Size and SHA-256 of a stored object, read in full. */
export async function hashObject(store: Store, key: string): Promise<{ size: number; sha256: string }> {
  const m = meter();
  const body = await store.get(key);
  for await (const c of body.pipe(m)) void c;
  return { size: m.bytes(), sha256: m.sha256() };
}
