import type { ResolvedConfig } from '../config/index.js';
import { parseDatabaseUrl } from '../config/index.js';
import type { Connection, ForeignKeyInfo, IndexInfo, SchemaSnapshot, TriggerInfo, ViewInfo } from '../dialects/types.js';
import { EventdbError, messageOf } from '../errors.js';
import { isInternalTable, manual } from './diff.js';
import { generatedDrift } from './drift-generated.js';
import { finding, type ValidationFinding } from './findings.js';
import { counted } from '../units.js';

/** Replays the migrations into a connection (the scratch database). */
export type Replay = (scratch: Connection, config: ResolvedConfig) => Promise<void>;

const HAND = 'write a migration that makes it so, or revert the hand-made change';

/**
 * The "drift" check group: the migrations replayed into a scratch database of the same engine (a
 * temporary PostgreSQL database, created and dropped; an in-memory SQLite, DuckDB or PGlite), introspected
 * and compared with the live database. Catches hand-made changes the expected schema does not describe.
 */
export async function checkDrift(conn: Connection, config: ResolvedConfig, live: SchemaSnapshot, replay: Replay): Promise<ValidationFinding[]> {
  const replayed = await withScratchDatabase(conn, config, async (scratch, scratchConfig) => {
    await replay(scratch, scratchConfig);
    return scratch.introspect();
  });
  const out = diffSnapshots(replayed, live);
  const elsewhere = live.elsewhere ?? [];
  if (elsewhere.length) {
    const n = elsewhere.reduce((k, e) => k + e.tables, 0);
    out.push(finding('drift', 'info', 'drift-elsewhere', 'schema', `${n} table${n === 1 ? '' : 's'} in other schemas not compared (${elsewhere.map((e) => `${e.schema}: ${e.tables}`).join(', ')}): eventdb reads the connection's current schema only`));
  }
  return out;
}

/** A scratch database, open: its connection and config, and `close`, which also removes it. */
export interface ScratchDatabase {
  conn: Connection;
  config: ResolvedConfig;
  close(): Promise<void>;
}

/**
 * Opens a scratch database of the connection's engine, runs fn, and removes it (also on failure):
 * in memory where the registry names a `scratchUrl`, else a new database the connection creates
 * beside the live one (`Connection.createScratchDatabase`).
 */
export async function withScratchDatabase<T>(conn: Connection, config: ResolvedConfig, fn: (scratch: Connection, config: ResolvedConfig) => Promise<T>): Promise<T> {
  const s = await openScratchDatabase(conn, config);
  try {
    return await fn(s.conn, s.config);
  } finally {
    await s.close();
  }
}

/**
 * withScratchDatabase for a caller that keeps the scratch database across several steps: opened here,
 * removed by its `close` (the caller's `finally`). Nothing is left behind when opening fails.
 */
export async function openScratchDatabase(conn: Connection, config: ResolvedConfig): Promise<ScratchDatabase> {
  const { entryOf, openConnection } = await import('../dialects/index.js');
  const scratchUrl = entryOf(conn.target).scratchUrl;
  if (scratchUrl) {
    const scratchConfig: ResolvedConfig = { ...config, database: parseDatabaseUrl(scratchUrl) };
    const scratch = await openConnection(scratchConfig);
    return { conn: scratch, config: scratchConfig, close: () => scratch.close() };
  }
  let made: { config: ResolvedConfig; drop(): Promise<void> };
  try {
    if (!conn.createScratchDatabase) throw new Error(`the ${conn.engine} dialect makes no scratch database`);
    made = await conn.createScratchDatabase(config);
  } catch (e) {
    throw new EventdbError('DRIFT_SCRATCH', `cannot create a scratch database for the drift check: ${messageOf(e)}`, 'grant CREATEDB to this role, or skip the drift check with --no-drift', { cause: e });
  }
  let scratch: Connection;
  try {
    scratch = await openConnection(made.config);
  } catch (e) {
    await made.drop();
    throw e;
  }
  return {
    conn: scratch,
    config: made.config,
    async close() {
      try {
        await scratch.close();
      } finally {
        await made.drop();
      }
    },
  };
}

const idxSig = (i: IndexInfo) => `${i.unique ? 'unique ' : ''}(${i.columns.join(', ')})${i.where ? ` where ${i.where}` : ''}`;
const fkSig = (f: ForeignKeyInfo) => `${f.table}(${f.columns.join(',')})→${f.refTable}(${f.refColumns.join(',')}) on delete ${f.onDelete}`;

/** Differences between what the migrations create (`replayed`) and the live database. */
export function diffSnapshots(replayed: SchemaSnapshot, live: SchemaSnapshot): ValidationFinding[] {
  const out: ValidationFinding[] = [];
  const keep = (t: { name: string }) => !isInternalTable(t.name);
  const r = new Map(replayed.tables.filter(keep).map((t) => [t.name, t]));
  const l = new Map(live.tables.filter(keep).map((t) => [t.name, t]));
  for (const [name] of l) if (!r.has(name)) out.push(finding('drift', 'warning', 'drift-extra-table', `table ${name}`, `table ${name} exists but no migration creates it`, manual(HAND)));
  for (const [name] of r) if (!l.has(name)) out.push(finding('drift', 'error', 'drift-missing-table', `table ${name}`, `the migrations create table ${name} but it is missing (dropped by hand?)`, manual(HAND)));
  for (const [name, rt] of r) {
    const lt = l.get(name);
    if (!lt) continue;
    const lc = new Map(lt.columns.map((c) => [c.name, c]));
    const rc = new Map(rt.columns.map((c) => [c.name, c]));
    for (const c of lt.columns) if (!rc.has(c.name)) out.push(finding('drift', 'warning', 'drift-extra-column', `column ${name}.${c.name}`, `column ${name}.${c.name} (${c.type}) exists but no migration creates it`, manual(HAND)));
    for (const c of rt.columns) {
      const x = lc.get(c.name);
      const obj = `column ${name}.${c.name}`;
      if (!x) {
        out.push(finding('drift', 'error', 'drift-missing-column', obj, `the migrations create column ${name}.${c.name} but it is missing`, manual(HAND)));
        continue;
      }
      if (x.type !== c.type) out.push(finding('drift', 'warning', 'drift-column-type', obj, `column ${name}.${c.name} is ${x.type}; the migrations make it ${c.type}`, manual(HAND)));
      if (x.nullable !== c.nullable) out.push(finding('drift', 'warning', 'drift-nullability', obj, `column ${name}.${c.name} is ${x.nullable ? 'nullable' : 'not null'}; the migrations make it ${c.nullable ? 'nullable' : 'not null'}`, manual(HAND)));
      if ((x.collation ?? null) !== (c.collation ?? null)) out.push(finding('drift', 'warning', 'drift-collation', obj, `column ${name}.${c.name} has ${x.collation ? `collation ${x.collation}` : 'the default collation'}; the migrations give ${c.collation ? `collation ${c.collation}` : 'the default collation'}`, manual(HAND)));
      if ((x.identity ?? null) !== (c.identity ?? null)) out.push(finding('drift', 'warning', 'drift-identity', obj, `column ${name}.${c.name} is ${x.identity ? `an identity column (${x.identity})` : 'no identity column'}; the migrations make it ${c.identity ? `an identity column (${c.identity})` : 'no identity column'}`, manual(HAND)));
      if ((x.default ?? null) !== (c.default ?? null)) out.push(finding('drift', 'warning', 'drift-default', obj, `column ${name}.${c.name} defaults to ${x.default ?? 'nothing'}; the migrations give ${c.default ?? 'no default'}`, manual(HAND)));
      const generated = generatedDrift(live.engine, name, x, c, manual(HAND));
      if (generated) out.push(generated);
    }
    const li = new Map(live.indexes.filter((i) => i.table === name).map((i) => [i.name, i]));
    const ri = new Map(replayed.indexes.filter((i) => i.table === name).map((i) => [i.name, i]));
    for (const [iname, i] of li) if (!ri.has(iname)) out.push(finding('drift', 'warning', 'drift-extra-index', `index ${iname}`, `index ${iname} on ${name} ${idxSig(i)} exists but no migration creates it`, manual(HAND)));
    for (const [iname, i] of ri) {
      const x = li.get(iname);
      if (!x) out.push(finding('drift', 'error', 'drift-missing-index', `index ${iname}`, `the migrations create index ${iname} on ${name} ${idxSig(i)} but it is missing`, manual(HAND)));
      else if (idxSig(x) !== idxSig(i)) out.push(finding('drift', 'warning', 'drift-index-definition', `index ${iname}`, `index ${iname} is ${idxSig(x)}; the migrations make it ${idxSig(i)}`, manual(HAND)));
      else if (x.definition && i.definition && x.definition !== i.definition) out.push(finding('drift', 'warning', 'drift-index-definition', `index ${iname}`, `index ${iname} is \`${x.definition}\`; the migrations make \`${i.definition}\``, manual(HAND)));
    }
    const lf = new Set(live.foreignKeys.filter((f) => f.table === name).map(fkSig));
    const rf = new Set(replayed.foreignKeys.filter((f) => f.table === name).map(fkSig));
    for (const f of lf) if (!rf.has(f)) out.push(finding('drift', 'warning', 'drift-extra-foreign-key', `foreign key ${f}`, `foreign key ${f} exists but no migration creates it`, manual(HAND)));
    for (const f of rf) if (!lf.has(f)) out.push(finding('drift', 'error', 'drift-missing-foreign-key', `foreign key ${f}`, `the migrations create foreign key ${f} but it is missing`, manual(HAND)));
  }
  const own = <T extends { name: string; table?: string }>(xs?: T[]) => xs?.filter((x) => !isInternalTable(x.name) && !isInternalTable(x.table ?? ''));
  out.push(...diffDefinitions('view', own(replayed.views), own(live.views)), ...diffDefinitions('trigger', own(replayed.triggers), own(live.triggers)));
  // Sequences (by name: a hand-made one, or one dropped) and macros (DuckDB; by definition too).
  const named = (xs?: string[]) => own(xs?.map((name) => ({ name, definition: '' })));
  out.push(...diffDefinitions('sequence', named(replayed.sequences), named(live.sequences)), ...diffDefinitions('macro', own(replayed.macros), own(live.macros)));
  if (!out.length) out.push(finding('drift', 'ok', 'drift-none', 'schema', `no drift: the live schema is what the migrations make (${counted(r.size, 'table')})`));
  return out;
}

/** A named object drift compares by its definition text (a sequence's is empty: compared by name). */
type Defined = ViewInfo | TriggerInfo | { name: string; definition: string };

/**
 * Views, triggers, sequences or macros: one the migrations create that is missing is an error; one no
 * migration creates, or whose definition differs (compared in the engine's own normalised text), is a
 * warning. Engines without the kind report none on both sides.
 */
function diffDefinitions(kind: 'view' | 'trigger' | 'sequence' | 'macro', replayed: Defined[] | undefined, live: Defined[] | undefined): ValidationFinding[] {
  const out: ValidationFinding[] = [];
  if (!replayed || !live) return out;
  const label = (x: Defined) => ('table' in x ? `trigger ${x.name} on ${x.table}` : 'materialized' in x ? `${x.materialized ? 'materialized view' : 'view'} ${x.name}` : `${kind} ${x.name}`);
  const r = new Map(replayed.map((x) => [x.name, x]));
  const l = new Map(live.map((x) => [x.name, x]));
  for (const [name, x] of l) if (!r.has(name)) out.push(finding('drift', 'warning', `drift-extra-${kind}`, `${kind} ${name}`, `${label(x)} exists but no migration creates it`, manual(HAND)));
  for (const [name, x] of r) {
    const y = l.get(name);
    if (!y) out.push(finding('drift', 'error', `drift-missing-${kind}`, `${kind} ${name}`, `the migrations create ${label(x)} but it is missing (dropped by hand?)`, manual(HAND)));
    else if (y.definition !== x.definition) out.push(finding('drift', 'warning', `drift-${kind}-definition`, `${kind} ${name}`, `${label(y)} is defined differently from what the migrations make: \`${clip(y.definition)}\`; the migrations: \`${clip(x.definition)}\``, manual(HAND)));
  }
  return out;
}

/** A definition cut for a one-line message. */
function clip(s: string, max = 200): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}
