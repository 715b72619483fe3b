import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { constants as zc, createGunzip, createGzip } from 'node:zlib';
import { registerSecret } from '../config/index.js';
import { EventdbError, messageOf } from '../errors.js';
import type { ObjectEncryption } from './manifest.js';

/**
 * Compression: gzip level 1 (zlib runs on the thread pool, beside the dump and the upload). Measured
 * here: ~100 MB/s per core — faster than a network upload and than the engines' own copy, so it is
 * not the bottleneck; zstd would need a native addon built from source at install time.
 */
export function compressor(): Transform {
  return createGzip({ level: 1, chunkSize: 256 * 1024, memLevel: 9, strategy: zc.Z_DEFAULT_STRATEGY });
}

export function decompressor(): Transform {
  return createGunzip({ chunkSize: 256 * 1024 });
}

export interface EncryptionKeys {
  /** age recipients (`age1…`) to encrypt to. */
  recipients?: string[];
  /** A passphrase for scrypt encryption / decryption. */
  passphrase?: string;
  /** age identities (`AGE-SECRET-KEY-1…`) to decrypt with. */
  identities?: string[];
}

/** Keys from the environment: EVENTDB_BACKUP_RECIPIENTS, EVENTDB_BACKUP_PASSPHRASE, EVENTDB_AGE_IDENTITY(_FILE). */
export function keysFromEnv(env: NodeJS.ProcessEnv, extra: { recipients?: string[]; identityFile?: string } = {}): EncryptionKeys {
  const recipients = [...(extra.recipients ?? []), ...(env.EVENTDB_BACKUP_RECIPIENTS ?? '').split(/[\s,]+/)].map((s) => s.trim()).filter(Boolean);
  const passphrase = env.EVENTDB_BACKUP_PASSPHRASE || undefined;
  registerSecret(passphrase);
  const identities: string[] = [];
  if (env.EVENTDB_AGE_IDENTITY) identities.push(...env.EVENTDB_AGE_IDENTITY.split(/[\s,]+/).filter(Boolean));
  for (const file of [extra.identityFile, env.EVENTDB_AGE_IDENTITY_FILE]) {
    if (!file) continue;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new EventdbError('CONFIG', `cannot read the age identity file ${file}: ${messageOf(e)}`, 'point --identity or EVENTDB_AGE_IDENTITY_FILE at a file made by age-keygen');
    }
    identities.push(...text.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('AGE-SECRET-KEY-')));
  }
  for (const i of identities) registerSecret(i);
  for (const r of recipients) {
    if (!/^age1[0-9a-z]+$/.test(r)) throw new EventdbError('USAGE', `"${r.slice(0, 12)}…" is not an age recipient`, 'recipients look like age1… (age-keygen -y KEYFILE prints it)');
  }
  return { recipients: recipients.length ? recipients : undefined, passphrase, identities: identities.length ? identities : undefined };
}

/** The manifest's encryption record for these keys (none when there are no recipients or passphrase). */
export function encryptionFor(keys: EncryptionKeys): ObjectEncryption | null {
  if (keys.recipients?.length) return { scheme: 'age', mode: 'recipients', recipients: keys.recipients.length };
  if (keys.passphrase) return { scheme: 'age', mode: 'passphrase' };
  return null;
}

/** Encrypts a stream with age (to the recipients, else the passphrase). */
export async function encryptStream(input: Readable, keys: EncryptionKeys): Promise<Readable> {
  const { Encrypter } = await import('age-encryption');
  const e = new Encrypter();
  if (keys.recipients?.length) for (const r of keys.recipients) e.addRecipient(r);
  else if (keys.passphrase) e.setPassphrase(keys.passphrase);
  const out = await e.encrypt(Readable.toWeb(input) as ReadableStream<Uint8Array>);
  return Readable.fromWeb(out as import('node:stream/web').ReadableStream<Uint8Array>);
}

/** Decrypts an age stream. Throws DECRYPT_FAILED when no key matches. */
export async function decryptStream(input: Readable, enc: ObjectEncryption, keys: EncryptionKeys): Promise<Readable> {
  const { Decrypter } = await import('age-encryption');
  const d = new Decrypter();
  if (enc.mode === 'passphrase') {
    if (!keys.passphrase) throw new EventdbError('DECRYPT_FAILED', 'the snapshot is encrypted with a passphrase and none was given', 'set EVENTDB_BACKUP_PASSPHRASE');
    d.addPassphrase(keys.passphrase);
  } else {
    if (!keys.identities?.length) throw new EventdbError('DECRYPT_FAILED', 'the snapshot is encrypted to age recipients and no identity was given', 'set EVENTDB_AGE_IDENTITY_FILE (or pass --identity FILE) with the matching AGE-SECRET-KEY');
    for (const i of keys.identities) d.addIdentity(i);
  }
  try {
    const out = await d.decrypt(Readable.toWeb(input) as ReadableStream<Uint8Array>);
    return Readable.fromWeb(out as import('node:stream/web').ReadableStream<Uint8Array>);
  } catch (e) {
    throw new EventdbError('DECRYPT_FAILED', `cannot decrypt the snapshot: ${messageOf(e)}`, enc.mode === 'passphrase' ? 'check EVENTDB_BACKUP_PASSPHRASE' : 'check that the identity matches a recipient the snapshot was encrypted to');
  }
}

/** A pass-through that counts bytes and hashes them. */
export function meter(): Transform & { bytes(): number; sha256(): string } {
  const hash = createHash('sha256');
  let n = 0;
  let digest: string | undefined;
  const t = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      n += chunk.length;
      cb(null, chunk);
    },
  }) as Transform & { bytes(): number; sha256(): string };
  t.bytes = () => n;
  t.sha256 = () => (digest ??= hash.digest('hex'));
  return t;
}
