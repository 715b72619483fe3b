import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readCapped } from '../../src/backup/read-capped.js';
import type { Store } from '../../src/backup/stores/types.js';

/**
 * A manifest is read with a cap (src/backup/catalog.ts): even when the listing understates its size (a
 * listing taken before the object grew, a store that lies), the read stops past the cap and the stream
 * is destroyed — an endless object is never read into memory, nor read on for ever.
 */
function storeOf(body: () => Readable): Store {
  return { get: async () => body() } as unknown as Store;
}

describe('readCapped', () => {
  it('stops an endless object just past the cap and destroys its stream', async () => {
    let produced = 0;
    let stream!: Readable;
    const endless = () =>
      (stream = new Readable({
        read() {
          produced += 64 * 1024;
          this.push(Buffer.alloc(64 * 1024, 0x20));
        },
      }));
    const limit = 1024 * 1024;
    await expect(readCapped(storeOf(endless), 'k', limit, () => new Error('too large'))).rejects.toThrow('too large');
    expect(stream.destroyed).toBe(true);
    expect(produced).toBeLessThan(limit + 4 * 64 * 1024);
  });

  it('reads an object of exactly the cap', async () => {
    const text = await readCapped(storeOf(() => Readable.from([Buffer.from('a'.repeat(10))])), 'k', 10, () => new Error('too large'));
    expect(text).toBe('a'.repeat(10));
    await expect(readCapped(storeOf(() => Readable.from([Buffer.from('a'.repeat(11))])), 'k', 10, () => new Error('too large'))).rejects.toThrow('too large');
  });
});
