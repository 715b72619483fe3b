import type { Readable } from 'node:stream';
import type { StoreKind } from './index.js';

export interface PutResult {
  /** Bytes stored. */
  size: number;
  /** SHA-256 (hex) of the bytes stored. */
  sha256: string;
}

export interface StoredObject {
  key: string;
  size: number;
  modified: Date;
}

/**
 * Where snapshots live. Keys are `/`-separated, relative to the store's root prefix.
 *
 * Error contract: every method throws EventdbError — `NOT_FOUND` (exit 1) for a missing key in
 * `get`, `STORE_NOT_FOUND` (exit 1) from `list` and `get` when the store itself (a bucket, a folder)
 * does not exist — never an empty listing — `AUTH` (exit 3) for rejected credentials,
 * `STORE_UNREACHABLE` (exit 3) when the store cannot be reached, `STORE_FAILED` (exit 1) for anything else. A failed `put` leaves no object at `key`.
 * Keys (and list prefixes) are checked by `checkKey` (keys.ts) before use. test/backup/store-contract.test.ts
 * runs this contract on every registered store.
 */
export interface Store {
  /** Human description with credentials removed (`file:/abs/backups`, `s3://bucket/prefix`). */
  readonly display: string;
  /** The registry key this store was opened through (src/backup/stores/index.ts). */
  readonly kind: StoreKind;
  /** Streams `body` to `key`; the object appears whole or not at all. */
  put(key: string, body: NodeJS.ReadableStream | Readable, opts?: { contentType?: string }): Promise<PutResult>;
  get(key: string): Promise<Readable>;
  /** Every object whose key starts with `prefix`. */
  list(prefix: string): AsyncIterable<StoredObject>;
  delete(keys: string[]): Promise<void>;
}
