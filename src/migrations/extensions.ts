import type { Engine } from '../config/url.js';
import { splitScript } from './split.js';
import type { Migration } from './types.js';

/** Leading `--` and `/* *\/` comments and white space of a statement. */
const LEADING = /^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)*/;
/** `CREATE EXTENSION [IF NOT EXISTS] name` at a statement's start: the name plain or double-quoted. */
const CREATE_EXTENSION = /^create\s+extension\s+(?:if\s+not\s+exists\s+)?(?:"((?:[^"]|"")+)"|([a-z_][a-z0-9_$]*))/i;

/**
 * The extensions the SQL sections of `migrations` create (`up`, or `down` for a rollback), as
 * PostgreSQL names them (a plain name folded to lower case, a quoted one as written). TypeScript
 * migrations are not read: what they send is known only when they run.
 */
export async function extensionsCreated(migrations: readonly Migration[], engine: Engine, section: 'up' | 'down' = 'up'): Promise<string[]> {
  const names = new Set<string>();
  for (const m of migrations) {
    const text = m.sql?.[section];
    if (!text || !/create\s+extension/i.test(text)) continue;
    for (const p of await splitScript(text, engine)) {
      const hit = CREATE_EXTENSION.exec(p.text.replace(LEADING, ''));
      if (hit) names.add(hit[1] !== undefined ? hit[1].replace(/""/g, '"') : hit[2]!.toLowerCase());
    }
  }
  return [...names];
}
