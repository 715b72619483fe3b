import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as zlib from 'node:zlib';
import { expect } from 'vitest';
import type { CliResult } from '../helpers/cli.js';

/** The snapshot folders of `<store>/<env>/<db>/`, oldest first. */
export function snapshotDirs(store: string, env: string, db: string): string[] {
  const root = join(store, env, db);
  return readdirSync(root).sort().map((d) => join(root, d));
}

export function readManifest(dir: string): any {
  return JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
}

export function writeManifest(dir: string, m: unknown): void {
  writeFileSync(join(dir, 'manifest.json'), typeof m === 'string' ? m : JSON.stringify(m, null, 2));
}

/** Decode and encode per manifest codec; zstd snapshots exist only where node:zlib has zstd (Node ≥ 22.15). */
const zstd = zlib as unknown as { zstdCompressSync(b: Buffer): Buffer; zstdDecompressSync(b: Buffer): Buffer };
const CODECS: Record<string, [(b: Buffer) => Buffer, (b: Buffer) => Buffer]> = {
  gzip: [zlib.gunzipSync, zlib.gzipSync],
  zstd: [(b) => zstd.zstdDecompressSync(b), (b) => zstd.zstdCompressSync(b)],
  none: [(b) => b, (b) => b],
};

/**
 * An attacker with write access to the bucket: rewrites the (unencrypted, compressed with the
 * manifest's codec) data object and makes the manifest's size and checksums match, so only eventdb's
 * own checks can catch it.
 */
export function tamperData(dir: string, edit: (raw: Buffer) => Buffer): void {
  const m = readManifest(dir);
  const o = m.objects[0];
  const [decode, encode] = CODECS[o.compression as string]!;
  const raw = edit(decode(readFileSync(join(dir, o.name))));
  const stored = encode(raw);
  writeFileSync(join(dir, o.name), stored);
  Object.assign(o, { size: stored.length, sha256: createHash('sha256').update(stored).digest('hex'), rawSize: raw.length });
  writeManifest(dir, m);
}

/** A failure shown the way the shell promises: exit code, one `error:` line and a hint, no stack. */
export function expectCleanError(r: CliResult, exit: number, message: RegExp): void {
  expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(exit);
  const errors = r.stderr.split('\n').filter((l) => l.startsWith('error: '));
  expect(errors, r.stderr).toHaveLength(1);
  expect(errors[0]).toMatch(message);
  expect(r.stderr).toMatch(/^hint: /m);
  expect(r.stderr).not.toMatch(/^\s+at /m);
  expect(r.stderr).not.toMatch(/TypeError|ReferenceError/);
}

/** The same failure under --json: one object, ok false, the error's code and message. */
export function expectJsonError(r: CliResult, exit: number, code: string, message: RegExp): void {
  expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(exit);
  const j = r.json();
  expect(j.ok).toBe(false);
  expect(j.error.code).toBe(code);
  expect(j.error.message).toMatch(message);
}
