import type { Engine } from '../config/url.js';
import { createdExtension } from '../dialects/postgres/created-extension.js';
import { splitScript } from './split.js';
import type { Migration } from './types.js';

/**
 * The extensions the SQL sections of `migrations` create (`up`, or `down` for a rollback).
 * TypeScript migrations are not read: what they send is known only when they run.
 */
export async function extensionsCreated(migrations: readonly Migration[], engine: Engine, section: 'up' | 'down' = 'up'): Promise<string[]> {
  const names = new Set<string>();
  for (const m of migrations) {
    const text = m.sql?.[section];
    if (!text || !/create\s+extension/i.test(text)) continue;
    for (const p of await splitScript(text, engine)) {
      const name = createdExtension(p.text);
      if (name) names.add(name);
    }
  }
  return [...names];
}
