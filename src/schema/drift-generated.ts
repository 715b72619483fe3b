import type { Engine } from '../config/url.js';
import { ddlFor } from '../dialects/ddl.js';
import type { ColumnInfo } from '../dialects/types.js';
import { finding, type FindingFix, type ValidationFinding } from './findings.js';

const describe = (c: ColumnInfo) => (c.generated ? `generated always as (${c.generated.expression}) ${c.generated.stored ? 'stored' : 'virtual'}` : 'not generated');

/**
 * The drift check's comparison of one column's generated expression and kind (issue 17): the live
 * column against the one the replayed migrations make, expressions compared as the engine spells
 * them back (SchemaDdl.canonicalDefault, as validate does). A difference is a warning, like the other
 * column drifts.
 */
export function generatedDrift(engine: Engine, table: string, live: ColumnInfo, replayed: ColumnInfo, fix: FindingFix): ValidationFinding | undefined {
  const l = live.generated;
  const r = replayed.generated;
  if (!l && !r) return undefined;
  const canon = (e: string) => ddlFor(engine).canonicalDefault(e);
  if (l && r && l.stored === r.stored && canon(l.expression) === canon(r.expression)) return undefined;
  return finding('drift', 'warning', 'drift-generated', `column ${table}.${live.name}`, `column ${table}.${live.name} is ${describe(live)}; the migrations make it ${describe(replayed)}`, fix);
}
