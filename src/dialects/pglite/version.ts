import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export interface PgliteVersion {
  /** The @electric-sql/pglite package version, e.g. `0.5.16`. */
  pglite: string;
  /** The PostgreSQL it was compiled from, e.g. `18.6`. */
  postgres: string;
}

let cached: PgliteVersion | undefined;

/**
 * The versions of the installed PGlite, read without booting it (a boot costs a WASM compile and
 * ~0.3–2 s): the package's own package.json, and the PostgreSQL version string PGlite's `version()`
 * returns, which is compiled into pglite.wasm ("PostgreSQL 18.6 (PGlite 0.5.16) on wasm32…").
 * `eventdb info` uses this so it answers in well under a second.
 */
/** The installed @electric-sql/pglite package folder. */
export function pgliteRoot(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@electric-sql/pglite')), '..');
}

export function libraryVersion(): PgliteVersion {
  if (cached) return cached;
  const root = pgliteRoot();
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  let postgres = '?';
  try {
    const wasm = readFileSync(join(root, 'dist', 'pglite.wasm'));
    const needle = Buffer.from(` (PGlite ${pkg.version})`, 'latin1');
    const at = wasm.indexOf(needle);
    if (at > 0) {
      const head = wasm.subarray(Math.max(0, at - 40), at).toString('latin1');
      postgres = /PostgreSQL (\d+(?:\.\d+)*)$/.exec(head)?.[1] ?? '?';
    }
  } catch {
    /* unknown layout: the version is then asked of a booted instance */
  }
  cached = { pglite: pkg.version, postgres };
  return cached;
}

export function formatVersion(v: PgliteVersion): string {
  return `PostgreSQL ${v.postgres} (PGlite ${v.pglite})`;
}

/** `PostgreSQL 18.6 (PGlite 0.5.16) on wasm32…` → `PostgreSQL 18.6 (PGlite 0.5.16)`. */
export function parseVersionString(s: string): PgliteVersion | undefined {
  const m = /PostgreSQL (\d+(?:\.\d+)*) \(PGlite ([^)]+)\)/.exec(s);
  return m ? { postgres: m[1]!, pglite: m[2]! } : undefined;
}

/** The major PostgreSQL version a data directory was created by (its PG_VERSION file). */
export function dataDirMajor(dir: string): string | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(join(dir, 'PG_VERSION'), 'r');
    const buf = Buffer.alloc(16);
    const n = readSync(fd, buf, 0, 16, 0);
    return buf.subarray(0, n).toString('latin1').trim() || undefined;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
