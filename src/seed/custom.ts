import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { EventdbError, messageOf } from '../errors.js';
import { importTs } from '../ts-import.js';
import type { SeedContext, SeedFunction } from './types.js';

/**
 * The seed module `--file` names: as given, else a name in the seeds folder (`--file example` finds
 * seeds/example.ts). A missing file is a usage error (exit 2), found before any database is opened.
 */
export function findSeedFile(file: string, seedsDir = 'seeds'): string {
  const candidates = [resolve(file), ...['', '.ts', '.mts', '.js', '.mjs'].map((ext) => resolve(seedsDir, file + ext))];
  const path = candidates.find((p) => existsSync(p) && statSync(p).isFile());
  if (!path) {
    const available = existsSync(seedsDir) ? readdirSync(seedsDir).filter((f) => /\.(m?ts|m?js)$/.test(f)) : [];
    throw new EventdbError('SEED_FILE', `seed file ${file} does not exist`, available.length ? `seeds in ${seedsDir}: ${available.map((f) => join(seedsDir, f)).join(', ')}` : 'give a path such as seeds/example.ts');
  }
  return path;
}

/**
 * Loads a custom seed module with jiti (TypeScript without a build step) and runs its function:
 * the default export, or a named `seed` export.
 */
export async function runCustomSeed(file: string, ctx: SeedContext, seedsDir = 'seeds'): Promise<void> {
  const path = findSeedFile(file, seedsDir);
  let mod: Record<string, unknown>;
  try {
    mod = await importTs(path);
  } catch (e) {
    throw new EventdbError('SEED_FILE', `cannot load seed file ${file}: ${messageOf(e)}`, 'fix the syntax or imports in the seed file', { cause: e });
  }
  const fn = (typeof mod.default === 'function' ? mod.default : mod.seed) as SeedFunction | undefined;
  if (typeof fn !== 'function') {
    throw new EventdbError('SEED_FILE', `seed file ${file} exports no seed function`, 'export a function: `export default defineSeed(async ({ db, random, bulkInsert, now }) => { … })`');
  }
  try {
    await fn(ctx);
  } catch (e) {
    if (e instanceof EventdbError) throw e;
    throw new EventdbError('SEED_FAILED', `seed file ${file} failed: ${messageOf(e)}`, 'run again with --verbose for the stack trace', { cause: e });
  }
}
