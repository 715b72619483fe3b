/**
 * Loads the expected schema from a folder (`schema/`): `index.ts` (or .mts/.js/.mjs), loaded with
 * jiti so it needs no build step, or `schema.json`. Validates its shape and throws EventdbError
 * SCHEMA_INVALID (exit 2) naming the file and the path inside it (`tables[3].columns[2].family`).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { EventdbError, messageOf } from '../errors.js';
import { importTs } from '../ts-import.js';
import type { ExpectedSchema } from './model.js';
import { validateExpectedSchema } from './shape.js';

export { validateExpectedSchema } from './shape.js';

/** Entry files looked for in the schema folder, in this order. */
export const SCHEMA_ENTRIES = ['index.ts', 'index.mts', 'index.js', 'index.mjs', 'schema.json'] as const;

/** The entry file of a schema folder. Throws NO_SCHEMA_DIR (exit 2) when there is none. */
export function findSchemaEntry(dir: string): string {
  const abs = isAbsolute(dir) ? dir : resolve(dir);
  if (!existsSync(abs) || !statSync(abs).isDirectory()) {
    throw new EventdbError('NO_SCHEMA_DIR', `schema folder ${abs} does not exist`, 'run `eventdb init`, or point --schema (or EVENTDB_SCHEMA_DIR) at the folder that holds index.ts');
  }
  const file = SCHEMA_ENTRIES.map((n) => join(abs, n)).find((f) => existsSync(f));
  if (!file) {
    throw new EventdbError('NO_SCHEMA_DIR', `schema folder ${abs} has no ${SCHEMA_ENTRIES.join(', ')}`, 'write schema/index.ts exporting the expected schema as its default export');
  }
  return file;
}

/** Loads and validates `<dir>/index.ts` (or another entry of SCHEMA_ENTRIES). */
export async function loadExpectedSchema(dir: string): Promise<ExpectedSchema> {
  return loadExpectedSchemaFile(findSchemaEntry(dir));
}

/** Loads and validates one declaration file (.ts/.mts/.js/.mjs via jiti, or .json). */
export async function loadExpectedSchemaFile(file: string): Promise<ExpectedSchema> {
  let value: unknown;
  if (file.endsWith('.json')) {
    try {
      value = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new EventdbError('SCHEMA_INVALID', `${file}: ${messageOf(e)}`, 'fix the JSON syntax of the schema file', { cause: e });
    }
  } else {
    let mod: Record<string, unknown>;
    try {
      mod = await importTs(file);
    } catch (e) {
      throw new EventdbError('SCHEMA_INVALID', `cannot load ${file}: ${messageOf(e)}`, 'fix the error in the schema file (it is loaded with jiti; TypeScript needs no build step)', { cause: e });
    }
    value = mod.default ?? mod.schema;
    if (value === undefined) {
      throw new EventdbError('SCHEMA_INVALID', `${file} exports no schema`, 'default-export the ExpectedSchema object (`export default schema`)');
    }
  }
  return validateExpectedSchema(value, file);
}
