import { createWriteStream } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { EventdbError, messageOf } from '../errors.js';
import { decompressor, decryptStream, meter, type EncryptionKeys } from './codec.js';
import type { ManifestObject } from './manifest.js';
import type { Store } from './stores/types.js';

/**
 * Downloads one object, checks its SHA-256 and size against the manifest, decrypts and decompresses
 * it into `dest` (fsynced unless `fsync: false`, for scratch copies that never become the database). On any failure `dest` is removed and CORRUPT_SNAPSHOT, DECRYPT_FAILED,
 * DISK_FULL or a store error is thrown.
 */
export async function downloadVerified(store: Store, key: string, obj: ManifestObject, keys: EncryptionKeys, dest: string, opts: { fsync?: boolean } = {}): Promise<{ rawSize: number }> {
  const stored = meter();
  let out: Readable | undefined;
  try {
    const body = await store.get(key);
    body.on('error', (e) => stored.destroy(e));
    let stream: Readable = body.pipe(stored);
    if (obj.encryption) stream = await decryptStream(stream, obj.encryption, keys);
    const raw = meter();
    out = stream;
    if (obj.compression === 'gzip') await pipeline(stream, decompressor(), raw, createWriteStream(dest));
    else await pipeline(stream, raw, createWriteStream(dest));
    if (stored.bytes() !== obj.size || stored.sha256() !== obj.sha256) {
      throw new EventdbError('CORRUPT_SNAPSHOT', `${obj.name} does not match the manifest (${stored.bytes()} of ${obj.size} bytes, SHA-256 ${stored.sha256() === obj.sha256 ? 'ok' : 'differs'})`, 'the stored object is damaged or truncated; use another snapshot (`eventdb backup list`)');
    }
    if (raw.bytes() !== obj.rawSize) throw new EventdbError('CORRUPT_SNAPSHOT', `${obj.name} decompressed to ${raw.bytes()} bytes, the manifest says ${obj.rawSize}`, 'use another snapshot');
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
    await rm(dest, { force: true }).catch(() => undefined);
    // A damaged object also fails decryption or decompression: tell the two apart by its checksum.
    if (!(e instanceof EventdbError) || e.code === 'DECRYPT_FAILED') {
      const actual = await hashObject(store, key).catch(() => undefined);
      if (actual && (actual.size !== obj.size || actual.sha256 !== obj.sha256)) {
        throw new EventdbError('CORRUPT_SNAPSHOT', `${obj.name} does not match the manifest (${actual.size} of ${obj.size} bytes, SHA-256 ${actual.sha256 === obj.sha256 ? 'ok' : 'differs'})`, 'the stored object is damaged or truncated; use another snapshot (`eventdb backup list`)', { cause: e });
      }
    }
    if (e instanceof EventdbError) {
      if (e.code === 'DECRYPT_FAILED' || e.code === 'CORRUPT_SNAPSHOT' || e.code === 'AUTH' || e.code.startsWith('STORE')) throw e;
      if (e.code === 'NOT_FOUND') throw new EventdbError('CORRUPT_SNAPSHOT', `${obj.name} is missing from the store`, 'the snapshot is incomplete; use another one (`eventdb backup list`)', { cause: e });
      throw e;
    }
    const code = (e as { code?: string }).code;
    if (code === 'ENOSPC') throw new EventdbError('DISK_FULL', `no space left to write ${dest}`, 'free disk space beside the target (or in EVENTDB_TMPDIR) and retry; nothing was changed', { cause: e });
    if (code?.startsWith('Z_') || /incorrect header|invalid|unexpected end|checksum/i.test(messageOf(e))) {
      throw new EventdbError('CORRUPT_SNAPSHOT', `${obj.name} is damaged: ${messageOf(e)}`, 'use another snapshot (`eventdb backup list`)', { cause: e });
    }
    if (/decrypt|tag|mac|stanza|header/i.test(messageOf(e)) && obj.encryption) {
      throw new EventdbError('DECRYPT_FAILED', `cannot decrypt ${obj.name}: ${messageOf(e)}`, 'check the key; a damaged object also fails here', { cause: e });
    }
    throw new EventdbError('CORRUPT_SNAPSHOT', `cannot read ${obj.name}: ${messageOf(e)}`, 'use another snapshot (`eventdb backup list`)', { cause: e });
  }
}

/** Size and SHA-256 of a stored object, read in full. */
export async function hashObject(store: Store, key: string): Promise<{ size: number; sha256: string }> {
  const m = meter();
  const body = await store.get(key);
  for await (const c of body.pipe(m)) void c;
  return { size: m.bytes(), sha256: m.sha256() };
}
