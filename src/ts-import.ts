import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Imports a user's TypeScript or JavaScript file (migration, seed, expected schema, config) with
 * jiti, so no build step is needed. `eventdb` and `kysely` resolve to this installation's copies,
 * so such files work wherever they live — a migrations folder outside the project, or an eventdb
 * installed globally — and use the Kysely this eventdb runs them with. Never cached: an edited file
 * is read afresh.
 */
type Jiti = { import(id: string): Promise<unknown> };
let jiti: Promise<Jiti> | undefined;

export async function importTs(file: string): Promise<Record<string, unknown>> {
  jiti ??= import('jiti').then(({ createJiti }) => createJiti(import.meta.url, { moduleCache: false, interopDefault: false, alias: aliases() }) as unknown as Jiti);
  return (await (await jiti).import(file)) as Record<string, unknown>;
}

function aliases(): Record<string, string> {
  const out: Record<string, string> = {};
  try {
    out.kysely = createRequire(import.meta.url).resolve('kysely');
  } catch {
    /* not resolvable from here: the file's own node_modules decide */
  }
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === 'eventdb') {
        out.eventdb = join(dir, 'dist', 'index.js');
        break;
      }
    } catch {
      /* keep walking up */
    }
    dir = dirname(dir);
  }
  return out;
}
