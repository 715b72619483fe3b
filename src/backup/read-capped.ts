import type { Store } from './stores/types.js';

/**
 * A small object (a manifest, a verification record) read whole, at most `limit` bytes: past that the
 * read stops — the stream is destroyed, an S3 download aborted — and `tooLarge()` is thrown. What a
 * store holds is untrusted: a huge object, or a file store's object that never ends, is never read
 * into memory.
 */
export async function readCapped(store: Store, key: string, limit: number, tooLarge: () => Error): Promise<string> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  const body = await store.get(key);
  try {
    for await (const c of body) {
      bytes += (c as Buffer).length;
      if (bytes > limit) throw tooLarge();
      chunks.push(c as Buffer);
    }
  } finally {
    body.destroy();
  }
  return Buffer.concat(chunks).toString('utf8');
}
