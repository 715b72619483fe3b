import type { Engine } from '../config/url.js';
import { isRefusal } from '../dialects/ddl-common.js';
import { ddlFor } from '../dialects/ddl.js';
import type { DdlCheck, SchemaSnapshot } from '../dialects/types.js';
import { addCheckPgSql } from './autofix/sql.js';
import { finding, type DiffItem, type FindingFix } from './findings.js';
import { enumNamedColumns, enumUsers, rebuildEnum } from './generate/enums.js';
import { appliesTo, type ExpectedSchema, type ExpectedTable } from './model.js';

/**
 * Checks and enum types in `validate` (issue 17). A table that declares no `checks` leaves its live
 * checks alone; one that does (`checks: []` too) declares all of them. Checks are found by name, else
 * (DuckDB names them itself) by their expression, compared as the engine spells it back
 * (SchemaDdl.canonicalCheck). Enum types are compared on engines that have them, values in order.
 */

const migration = (description: string, sql: string[]): FindingFix => ({ kind: 'migration', description, sql });
const auto = (description: string, sql: string[]): FindingFix => ({ kind: 'auto-fix', description, sql });
const list = (values: string[]) => values.map((v) => `'${v.replace(/'/g, "''")}'`).join(', ');

/** Whether `sub`'s values all appear in `all`, in the same order (only additions between them). */
function isSubsequence(sub: string[], all: string[]): boolean {
  let i = 0;
  for (const v of all) if (i < sub.length && v === sub[i]) i++;
  return i === sub.length;
}

/** Missing, different and undeclared checks of one declared table that exists. `rebuild`: the engine's table rebuild, for review. */
export function diffChecks(t: ExpectedTable, live: SchemaSnapshot, engine: Engine, rebuild: () => string[]): DiffItem[] {
  if (!live.checks) return [];
  if (!t.checks) return live.checks.filter((l) => l.table === t.name && l.validated === false).map((l) => notValid(t.name, l.name, engine));
  const ddl = ddlFor(engine);
  const { facts } = ddl;
  const canon = (e: string) => ddl.canonicalCheck(e);
  const declared: DdlCheck[] = t.checks.filter((c) => appliesTo(c, engine)).map((c) => ({ name: c.name, expression: c.expression }));
  const liveChecks = live.checks.filter((c) => c.table === t.name);
  const items: DiffItem[] = [];
  const matched = new Set<(typeof liveChecks)[number]>(); // by object: DuckDB gives several checks one name
  const byName = (c: DdlCheck) => liveChecks.find((l) => l.name === c.name && !matched.has(l));
  const byExpression = (c: DdlCheck) => liveChecks.find((l) => !matched.has(l) && !declared.some((d) => d.name === l.name) && canon(l.expression) === canon(c.expression));
  // How a check changes on this engine: in place (PostgreSQL), by the table rebuild (SQLite), or by recreating the table (DuckDB).
  const change = (inPlace: () => string[], what: string): FindingFix =>
    facts.alterConstraintsInPlace
      ? migration(what, inPlace())
      : facts.rebuild
        ? migration(`${facts.label} cannot alter a check in place: rebuild the table in a migration`, rebuild())
        : migration(`${facts.label} cannot add or drop a check of an existing table: recreate ${t.name} in a migration (create the new table, copy the rows, drop, rename)`, []);

  for (const c of declared) {
    const l = byName(c) ?? byExpression(c);
    const obj = `check ${c.name}`;
    if (!l) {
      const msg = `check ${c.name} on ${t.name} (${c.expression}) is missing`;
      if (facts.alterConstraintsInPlace && facts.notValid) {
        const s = addCheckPgSql(t.name, c, engine);
        items.push({ finding: finding('schema', 'error', 'missing-check', obj, msg, auto('add the check NOT VALID, then VALIDATE it (existing rows checked without blocking writes)', [s.add, s.validate])), action: { type: 'add-check', table: t.name, check: c } });
      } else {
        items.push({ finding: finding('schema', 'error', 'missing-check', obj, msg, change(() => [ddl.addCheck(t.name, c) as string], 'add the check in a migration')) });
      }
      continue;
    }
    matched.add(l);
    if (canon(l.expression) === canon(c.expression) && l.validated === false) items.push(notValid(t.name, l.name, engine));
    if (canon(l.expression) !== canon(c.expression)) {
      items.push({
        finding: finding('schema', 'error', 'check-mismatch', obj, `check ${l.name} on ${t.name} is (${l.expression}); expected (${c.expression})`,
          change(() => [ddl.dropConstraint(t.name, l.name) as string, ddl.addCheck(t.name, c, { notValid: facts.notValid }) as string, ...(facts.notValid ? [ddl.validateConstraint(t.name, c.name)] : [])], 'replace the check in a migration (rows that fail the new one make it fail)')),
      });
    }
  }
  for (const l of liveChecks) {
    if (matched.has(l)) continue;
    items.push({
      finding: finding('schema', 'warning', 'unknown-check', `check ${l.name}`, `check ${l.name} on ${t.name} (${l.expression}) is not declared (${t.name} declares its checks)`,
        change(() => [ddl.dropConstraint(t.name, l.name) as string], 'declare it in schema/, or drop it in a migration')),
    });
  }
  return items;
}

/**
 * A check PostgreSQL holds NOT VALID (a migration or auto-fix stopped between ADD … NOT VALID and
 * VALIDATE): new rows are checked, existing ones never were. auto-fix runs the VALIDATE.
 */
function notValid(table: string, name: string, engine: Engine): DiffItem {
  const validate = ddlFor(engine).validateConstraint(table, name);
  return {
    finding: finding('schema', 'warning', 'check-not-valid', `check ${name}`, `check ${name} on ${table} is NOT VALID: existing rows of ${table} were never checked against it`,
      auto('VALIDATE the constraint (checks existing rows without blocking writes; rows that fail make it fail and leave it NOT VALID)', [validate])),
    action: { type: 'validate-check', table, name },
  };
}

/** Missing enum types, types whose values differ, and undeclared ones — on engines with enum types. */
export function diffEnums(expected: ExpectedSchema, live: SchemaSnapshot): DiffItem[] {
  const ddl = ddlFor(live.engine);
  if (!ddl.facts.enumTypes || !live.enums) return [];
  const items: DiffItem[] = [];
  const liveEnums = new Map(live.enums.map((e) => [e.name, e.values]));
  const declared = (expected.enums ?? []).filter((e) => appliesTo(e, live.engine));
  const named = enumNamedColumns(live, live.engine);
  const users = (name: string) => enumUsers(named, name);
  for (const e of declared) {
    const obj = `enum type ${e.name}`;
    const have = liveEnums.get(e.name);
    if (!have) {
      const sql = [ddl.createEnum(e.name, e.values) as string];
      items.push({ finding: finding('schema', 'error', 'missing-enum', obj, `enum type ${e.name} (${list(e.values)}) is missing`, auto(`create enum type ${e.name}`, sql)), action: { type: 'create-enum', name: e.name, sql } });
      continue;
    }
    if (have.length === e.values.length && have.every((v, i) => v === e.values[i])) continue;
    const msg = `enum type ${e.name} has values (${list(have)}); expected (${list(e.values)})`;
    const added = e.values.filter((v) => !have.includes(v));
    if (isSubsequence(have, e.values)) {
      const sql: string[] = [];
      let refused = false;
      e.values.forEach((v, i) => {
        if (have.includes(v)) return;
        const next = e.values.slice(i + 1).find((x) => have.includes(x));
        const s = ddl.addEnumValue(e.name, v, i > 0 ? { after: e.values[i - 1]! } : next !== undefined ? { before: next } : undefined);
        if (isRefusal(s)) refused = true;
        else sql.push(s);
      });
      if (!refused) {
        items.push({ finding: finding('schema', 'error', 'enum-values', obj, msg, auto(`add ${added.map((v) => `'${v}'`).join(', ')} to enum type ${e.name}`, sql)), action: { type: 'add-enum-values', name: e.name, sql } });
        continue;
      }
    }
    const used = users(e.name);
    const canRebuild = !isRefusal(ddl.renameEnum(e.name, `${e.name}__new`));
    items.push({
      finding: finding('schema', 'error', 'enum-values', obj, msg,
        canRebuild
          ? migration('values removed or reordered: rebuild the type in a migration (new type, columns cast through text, old type dropped, new one renamed); rows holding a removed value make it fail', rebuildEnum(ddl, e.name, e.values, used, (u) => u.default))
          : migration(`${ddl.facts.label} cannot alter an enumerated type: ${used.length ? `create a new type and change ${used.map((u) => `${u.table}.${u.column}`).join(', ')} to it in a migration` : 'drop it and create it again in a migration'}`, used.length ? [] : [ddl.dropEnum(e.name) as string, ddl.createEnum(e.name, e.values) as string])),
    });
  }
  const names = new Set(declared.map((e) => e.name));
  for (const [name, values] of liveEnums) {
    if (names.has(name)) continue;
    items.push({ finding: finding('schema', 'info', 'unknown-enum', `enum type ${name}`, `enum type ${name} (${list(values)}) is not in the expected schema`, migration('declare it in schema/ (enumType) if the application uses it, or drop it in a migration', [])) });
  }
  return items;
}
