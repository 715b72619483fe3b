import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { PassThrough, Readable, Transform } from 'node:stream';
import { availableParallelism } from 'node:os';
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import { createGunzip, gzip, gzipSync, type ZlibOptions } from 'node:zlib';
import { registerSecret } from '../config/index.js';
import { EventdbError, messageOf } from '../errors.js';
import type { ObjectEncryption } from './manifest.js';

const gzipAsync = promisify(gzip) as (buf: Buffer, opts: ZlibOptions) => Promise<Buffer>;

/** How a snapshot object is compressed; the manifest records it per object (older manifests: gzip or none). */
export type Compression = 'zstd' | 'gzip' | 'none';
export const COMPRESSIONS: readonly Compression[] = ['zstd', 'gzip', 'none'];

/** The Node version that added zstd to node:zlib (also 23.8+). */
export const ZSTD_NODE = '22.15';

/** node:zlib's zstd API (Node ≥ 22.15 / 23.8); @types/node 20 does not declare it. */
interface ZlibZstd {
  zstdCompress(buf: Buffer, opts: { params: Record<number, number>; chunkSize?: number }, cb: (err: Error | null, out: Buffer) => void): void;
  zstdCompressSync(buf: Buffer, opts?: { params: Record<number, number> }): Buffer;
  createZstdDecompress(opts?: { chunkSize?: number }): Transform;
  constants: { ZSTD_c_compressionLevel: number; ZSTD_c_checksumFlag: number };
}
const zstdApi = zlib as unknown as Partial<ZlibZstd>;

/** Whether this runtime's node:zlib compresses and decompresses zstd (Node ≥ 22.15). */
export function runtimeHasZstd(): boolean {
  return typeof zstdApi.zstdCompress === 'function' && typeof zstdApi.createZstdDecompress === 'function';
}

/** zstd where the runtime has it, else gzip. */
export function defaultCompression(): Compression {
  return runtimeHasZstd() ? 'zstd' : 'gzip';
}

/** `--compress` / EVENTDB_BACKUP_COMPRESS → a codec; zstd on a runtime without it is refused with the version needed. */
export function parseCompression(text: string, where: string): Compression {
  const c = text.trim().toLowerCase();
  if (!(COMPRESSIONS as readonly string[]).includes(c)) throw new EventdbError('USAGE', `${where} "${text}" is not a compression`, 'use zstd, gzip or none');
  if (c === 'zstd' && !runtimeHasZstd()) {
    throw new EventdbError('USAGE', `${where} zstd needs Node.js ${ZSTD_NODE} or later; this is Node.js ${process.versions.node}`, `run eventdb on Node.js 22.15+ or 24, or use ${where} gzip`);
  }
  return c as Compression;
}

/** The data object's suffix for a codec. */
export function compressionSuffix(c: Compression): string {
  return c === 'zstd' ? '.zst' : c === 'gzip' ? '.gz' : '';
}

/** Block size of the parallel compressor: large enough that the per-member cost (18 bytes, a cold dictionary) is negligible. */
export const GZIP_BLOCK = 1024 * 1024;

/**
 * Compression: gzip level 1, in parallel. The stream is cut into fixed-size blocks and each is
 * compressed as an independent gzip member with the asynchronous `zlib.gzip` (libuv's thread pool),
 * several at once; members are emitted in input order. Concatenated members are one valid gzip
 * stream (RFC 1952; `gunzip`, Node's gunzip and `gzip -t` read all members). Profiling the SQLite
 * backup showed one core compressing at ~100 MB/s while the copy was already on disk: compression
 * was the bottleneck, and with N cores it now runs ~N times as fast. Memory is bounded: at most
 * `parallel` blocks in flight plus one being filled (a few MiB).
 */
export function compressor(opts: { codec?: Compression; parallel?: number; blockSize?: number } = {}): Transform {
  const codec = opts.codec ?? 'gzip';
  if (codec === 'none') return new PassThrough();
  const parallel = Math.max(1, opts.parallel ?? defaultParallelism());
  const blockSize = opts.blockSize ?? GZIP_BLOCK;
  const chunkSize = outputChunkSize(blockSize);
  const pack = codec === 'zstd' ? zstdBlock(chunkSize) : (block: Buffer) => gzipAsync(block, { level: 1, memLevel: 9, chunkSize });
  let parts: Buffer[] = [];
  let filled = 0;
  let total = 0;
  // Compressions in flight, oldest first; each resolves to its member.
  const inflight: Array<Promise<Buffer>> = [];
  const launch = (block: Buffer) => {
    const p = pack(block);
    p.catch(() => undefined); // surfaced when awaited in order
    inflight.push(p);
  };
  const cut = () => {
    const block = parts.length === 1 ? parts[0]! : Buffer.concat(parts, filled);
    parts = [];
    filled = 0;
    return block;
  };
  return new Transform({
    highWaterMark: 2,
    writableHighWaterMark: blockSize,
    async transform(chunk: Buffer, _enc, cb) {
      try {
        total += chunk.length;
        let off = 0;
        while (off < chunk.length) {
          const take = Math.min(blockSize - filled, chunk.length - off);
          parts.push(off === 0 && take === chunk.length ? chunk : chunk.subarray(off, off + take));
          filled += take;
          off += take;
          if (filled === blockSize) {
            launch(cut());
            // Keep at most `parallel` blocks compressing: wait for the oldest, in order.
            while (inflight.length >= parallel) this.push(await inflight.shift()!);
          }
        }
        cb();
      } catch (e) {
        cb(e as Error);
      }
    },
    async flush(cb) {
      try {
        if (filled > 0) launch(cut());
        while (inflight.length > 0) this.push(await inflight.shift()!);
        // An empty input still gives a valid (empty) gzip or zstd stream.
        if (total === 0) this.push(codec === 'zstd' ? zstdApi.zstdCompressSync!(Buffer.alloc(0)) : gzipSync(Buffer.alloc(0), { level: 1 }));
        cb();
      } catch (e) {
        cb(e as Error);
      }
    },
  });
}

/**
 * One zstd frame per block: level 1 (on this machine ~4× faster than gzip -1 on incompressible text
 * and smaller on both kinds of data; level 3 was ~2.5× slower for no gain on random text), with the
 * frame's content checksum so a decoder error cannot pass as data. Concatenated frames are one valid
 * zstd stream (RFC 8878 §3.1), as concatenated members are for gzip.
 */
function zstdBlock(chunkSize: number): (block: Buffer) => Promise<Buffer> {
  if (!runtimeHasZstd()) throw new EventdbError('USAGE', `zstd compression needs Node.js ${ZSTD_NODE} or later; this is Node.js ${process.versions.node}`, 'use --compress gzip');
  const z = zstdApi as ZlibZstd;
  const params = { [z.constants.ZSTD_c_compressionLevel]: 1, [z.constants.ZSTD_c_checksumFlag]: 1 };
  return (block) => new Promise((resolve, reject) => z.zstdCompress(block, { params, chunkSize }, (err, out) => (err ? reject(err) : resolve(out))));
}

/**
 * The output buffer of one block's compression: room for the whole compressed block (at most a little
 * over its input, for data that does not compress), so the block comes back from the thread pool in
 * one piece. node:zlib's default (16 KiB) returned a 1 MiB block in up to 64 pieces, each a trip between
 * the pool and this thread: on 100 MB of random hex text, zstd took 1.01 s one block at a time against
 * 0.27 s with one piece, gzip 2.11 s against 1.76 s (Node 24, this machine, #18).
 */
function outputChunkSize(blockSize: number): number {
  return blockSize + (blockSize >> 7) + 64 * 1024;
}

function defaultParallelism(): number {
  // One more block than cores, so a core is never idle while the next block is being read; no more
  // than the thread pool (file and DNS work share it).
  const pool = Number(process.env.UV_THREADPOOL_SIZE) || 4;
  return Math.max(2, Math.min(pool, availableParallelism() + 1));
}

/**
 * The decompressing stage for an object's codec (none: a pass-through). zstd uses node:zlib where the
 * runtime has it, else fzstd, a pure-JS decoder, so Node 20 restores snapshots taken on Node 24.
 */
export async function decompressor(codec: Compression = 'gzip'): Promise<Transform> {
  if (codec === 'gzip') return createGunzip({ chunkSize: 256 * 1024 });
  if (codec === 'none') return new PassThrough();
  // 1 MiB pieces: node:zlib's zstd decoder decompressed 311 MB of random hex text in 0.45–0.55 s with them
  // against 0.90–1.02 s with 256 KiB ones (Node 24, #18); gzip's decoder is no faster with larger pieces.
  if (runtimeHasZstd()) return (zstdApi as ZlibZstd).createZstdDecompress({ chunkSize: 1 << 20 });
  return pureJsZstdDecompressor();
}

/** A Transform over fzstd's streaming decoder (used where node:zlib has no zstd). Exported for tests. */
export async function pureJsZstdDecompressor(): Promise<Transform> {
  const { Decompress } = await import('fzstd');
  const d = new Decompress((chunk) => {
    // A copy: the decoder's blocks may share memory with its window.
    if (chunk.length) out.push(Buffer.from(chunk));
  });
  const out = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      try {
        d.push(chunk);
        cb();
      } catch (e) {
        cb(zstdError(e));
      }
    },
    flush(cb) {
      try {
        d.push(new Uint8Array(0), true);
        cb();
      } catch (e) {
        cb(zstdError(e));
      }
    },
  });
  return out;
}

/** fzstd's errors carry a numeric code; give them the message the restore path reports as damage. */
function zstdError(e: unknown): Error {
  return new Error(`invalid zstd data: ${messageOf(e)}`, { cause: e });
}

export interface EncryptionKeys {
  /** age recipients (`age1…`) to encrypt to. */
  recipients?: string[];
  /** A passphrase for scrypt encryption / decryption. */
  passphrase?: string;
  /** age identities (`AGE-SECRET-KEY-1…`) to decrypt with. */
  identities?: string[];
  /** Where each identity came from (for messages; never the key itself). */
  identitySources?: string[];
}

/** Keys from the environment: EVENTDB_BACKUP_RECIPIENTS, EVENTDB_BACKUP_PASSPHRASE, EVENTDB_AGE_IDENTITY(_FILE). */
export function keysFromEnv(env: NodeJS.ProcessEnv, extra: { recipients?: string[]; identityFile?: string } = {}): EncryptionKeys {
  const recipients = [...(extra.recipients ?? []), ...(env.EVENTDB_BACKUP_RECIPIENTS ?? '').split(/[\s,]+/)].map((s) => s.trim()).filter(Boolean);
  const passphrase = env.EVENTDB_BACKUP_PASSPHRASE || undefined;
  registerSecret(passphrase);
  const identities: string[] = [];
  const identitySources: string[] = [];
  if (env.EVENTDB_AGE_IDENTITY) {
    const ids = env.EVENTDB_AGE_IDENTITY.split(/[\s,]+/).filter(Boolean);
    identities.push(...ids);
    identitySources.push(...ids.map(() => 'EVENTDB_AGE_IDENTITY'));
  }
  for (const file of [extra.identityFile, env.EVENTDB_AGE_IDENTITY_FILE]) {
    if (!file) continue;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new EventdbError('CONFIG', `cannot read the age identity file ${file}: ${messageOf(e)}`, 'point --identity or EVENTDB_AGE_IDENTITY_FILE at a file made by age-keygen');
    }
    const lines = text.split('\n').map((l) => l.trim());
    const ids = lines.filter((l) => l.startsWith('AGE-SECRET-KEY-'));
    // A file without a key (an age1… public key file, an empty or wrong file) said "no identity was
    // given" later — as if the flag had been left out.
    if (ids.length === 0) throw noSecretKey(file, lines);
    identities.push(...ids);
    identitySources.push(...ids.map(() => `the identity file ${file}`));
  }
  for (const i of identities) registerSecret(i);
  for (const r of recipients) {
    if (!/^age1[0-9a-z]+$/.test(r)) throw new EventdbError('USAGE', `"${r.slice(0, 12)}…" is not an age recipient`, 'recipients look like age1… (age-keygen -y KEYFILE prints it)');
  }
  return { recipients: recipients.length ? recipients : undefined, passphrase, identities: identities.length ? identities : undefined, identitySources };
}

/** BAD_KEY for an identity file with no `AGE-SECRET-KEY-1…` line; says what the file seems to hold instead, never its text. */
function noSecretKey(file: string, lines: string[]): EventdbError {
  const recipient = lines.some((l) => /^age1[0-9a-z]+$/.test(l));
  const encrypted = lines[0]?.startsWith('age-encryption.org/') || lines[0] === '-----BEGIN AGE ENCRYPTED FILE-----';
  const what = recipient ? ' (it holds an age1… public key: that is a recipient, for --encrypt-to)' : encrypted ? ' (it is an age-encrypted file: decrypt the identity first)' : '';
  return new EventdbError('BAD_KEY', `the age identity file ${file} holds no AGE-SECRET-KEY-1… line${what}`, 'point --identity or EVENTDB_AGE_IDENTITY_FILE at the key file age-keygen wrote (its AGE-SECRET-KEY-1… line decrypts)');
}

/**
 * Checks every recipient and identity with age itself before anything is read or written, so a
 * malformed key is a key error (BAD_KEY, exit 2) naming where it came from — never a damaged
 * snapshot or a failed backup. The key text never appears in the message.
 */
export async function checkKeys(keys: EncryptionKeys): Promise<void> {
  if (!keys.recipients?.length && !keys.identities?.length) return;
  const { Encrypter, Decrypter } = await import('age-encryption');
  const why = (e: unknown, key: string) => messageOf(e).split(key).join('…').replace(/AGE-SECRET-KEY-1[0-9A-Z]*/g, '…');
  for (const r of keys.recipients ?? []) {
    try {
      new Encrypter().addRecipient(r);
    } catch (e) {
      throw new EventdbError('BAD_KEY', `the age recipient "${r.slice(0, 12)}…" is not valid: ${why(e, r)}`, 'recipients look like age1… (62 characters; `age-keygen -y KEYFILE` prints it)');
    }
  }
  for (const [i, id] of (keys.identities ?? []).entries()) {
    try {
      new Decrypter().addIdentity(id);
    } catch (e) {
      throw new EventdbError('BAD_KEY', `an age identity in ${keys.identitySources?.[i] ?? 'the keys given'} is not valid: ${why(e, id)}`, 'use the AGE-SECRET-KEY-1… line written by age-keygen (check it was not cut or edited)');
    }
  }
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

/** A pass-through that counts bytes and hashes them (`hash: false`: counts only, for raw sizes and progress). */
export function meter(opts: { hash?: boolean; onBytes?: (total: number) => void; limit?: { bytes: number; error: () => Error } } = {}): Transform & { bytes(): number; sha256(): string } {
  const hash = opts.hash === false ? undefined : createHash('sha256');
  let n = 0;
  let digest: string | undefined;
  const t = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash?.update(chunk);
      n += chunk.length;
      // More bytes than the limit: stop here, not after the whole stream (a decompression bomb).
      if (opts.limit && n > opts.limit.bytes) return cb(opts.limit.error());
      opts.onBytes?.(n);
      cb(null, chunk);
    },
  }) as Transform & { bytes(): number; sha256(): string };
  t.bytes = () => n;
  t.sha256 = () => {
    if (!hash) throw new Error('this meter does not hash');
    return (digest ??= hash.digest('hex'));
  };
  return t;
}
