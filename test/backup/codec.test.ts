import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { compressor, decompressor } from '../../src/backup/codec.js';
import { collect, sample } from './helpers.js';

/** Occurrences of a gzip member header (1f 8b 08): at least one per member. */
function memberCount(gz: Buffer): number {
  let count = 0;
  for (let i = gz.indexOf(Buffer.from([0x1f, 0x8b, 0x08])); i !== -1; i = gz.indexOf(Buffer.from([0x1f, 0x8b, 0x08]), i + 1)) count++;
  return count;
}

describe('parallel gzip compressor', () => {
  it('cuts the stream into independent gzip members, in input order, that gunzip reads as one stream', async () => {
    const input = sample(3 * 1024 * 1024 + 12345);
    // Odd chunk sizes so that blocks are cut inside chunks.
    const chunks: Buffer[] = [];
    for (let i = 0; i < input.length; i += 77_777) chunks.push(input.subarray(i, i + 77_777));
    const gz = await collect(Readable.from(chunks).pipe(compressor({ blockSize: 256 * 1024, parallel: 3 })));
    expect(memberCount(gz)).toBeGreaterThanOrEqual(Math.ceil(input.length / (256 * 1024)));
    expect(gunzipSync(gz).equals(input)).toBe(true);
    expect((await collect(Readable.from([gz]).pipe(await decompressor('gzip')))).equals(input)).toBe(true);
    // The system's gzip reads every member too (what a user restoring by hand would use).
    const dir = mkdtempSync(join(tmpdir(), 'eventdb-codec-'));
    try {
      writeFileSync(join(dir, 'x.gz'), gz);
      execFileSync('gzip', ['-t', join(dir, 'x.gz')]);
      expect(execFileSync('gzip', ['-dc', join(dir, 'x.gz')], { maxBuffer: 64 * 1024 * 1024 }).equals(input)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('gives the same bytes whatever the parallelism (output order does not depend on timing)', async () => {
    const input = sample(1024 * 1024);
    const one = await collect(Readable.from([input]).pipe(compressor({ blockSize: 64 * 1024, parallel: 1 })));
    const four = await collect(Readable.from([input]).pipe(compressor({ blockSize: 64 * 1024, parallel: 4 })));
    expect(four.equals(one)).toBe(true);
  });

  it('compresses an empty stream to a valid empty gzip stream', async () => {
    const gz = await collect(Readable.from([]).pipe(compressor()));
    expect(gz.length).toBeGreaterThan(0);
    expect(gunzipSync(gz).length).toBe(0);
  });

  it('bounds memory: with nobody reading, it stops accepting input after a few blocks', async () => {
    const blockSize = 64 * 1024;
    const c = compressor({ blockSize, parallel: 2 });
    const chunk = randomBytes(16 * 1024);
    let accepted = 0;
    for (let i = 0; i < 1000; i++) {
      accepted += chunk.length;
      if (!c.write(chunk)) break;
      // let compressions finish so that only backpressure can stop the writes
      if (i % 8 === 0) await new Promise((r) => setTimeout(r, 5));
    }
    await new Promise((r) => setTimeout(r, 200));
    const more = c.write(chunk);
    expect(accepted).toBeLessThan(1000 * chunk.length);
    expect(accepted).toBeLessThanOrEqual(8 * blockSize);
    expect(more).toBe(false);
    c.destroy();
  });
});
