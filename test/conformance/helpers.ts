import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import pg from 'pg';

/*
 * The conformance suite runs eventdb on third-party SQL vendored under test/fixtures/ (each folder has
 * its LICENSE and a SOURCE.md naming repository, commit and path). The vendored files are never
 * rewritten: the functions here build a temporary eventdb migrations folder from them, and give the
 * same SQL for a direct replay (psql / better-sqlite3) to compare against.
 */

export const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
export type ConfEngine = 'postgres' | 'sqlite';

/** What eventdb's history tables are called (left out of catalog comparisons with a plain replay). */
const OWN = /^eventdb_/;

// ---------------------------------------------------------------------------------------------------
// Sources → eventdb migrations

export interface BuiltHistory {
  /** Migration IDs in order. */
  ids: string[];
  /** The up SQL of each migration as the source ships it, in order (for a direct replay). */
  ups: string[];
}

/**
 * Writes one eventdb file `<id>.<engine>.sql` per migration, each section as the source ships it. An
 * empty (or comment-only) up or down file in an ory/popx history means "nothing to do on this
 * engine" (issue 19, item 14): an empty up section stays literally empty (eventdb records it as a
 * no-op); an empty down section would read as "no down" (irreversible), so it says so with
 * `-- eventdb:noop`, eventdb's word for "undoing needs nothing". A missing down file is no down section.
 */
function writeEventdbFile(dir: string, id: string, engine: ConfEngine, up: string, down: string | undefined): void {
  const lines = ['-- eventdb:up', up.trimEnd()];
  if (down !== undefined) lines.push('-- eventdb:down', /\S/.test(stripSqlComments(down)) ? down.trimEnd() : `-- eventdb:noop\n${down.trimEnd()}`.trimEnd());
  writeFileSync(join(dir, `${id}.${engine}.sql`), `${lines.join('\n')}\n`);
}

function stripSqlComments(s: string): string {
  return s.replace(/\/\*[\s\S]*?\*\//g, '').replace(/--[^\n]*/g, '');
}

/**
 * ory/keto's history (plus oryx's `networks` table it references), popx format:
 * `<version>_<name>[.<dialect>].<up|down>.sql`. A dialect file (`postgres`; `sqlite3` or `sqlite`)
 * replaces the portable one on that engine, for up and down separately, as popx does.
 */
export function buildKeto(engine: ConfEngine, dir: string): BuiltHistory {
  mkdirSync(dir, { recursive: true });
  const dialects = engine === 'postgres' ? ['postgres'] : ['sqlite3', 'sqlite'];
  const files = new Map<string, string>(); // name → path
  for (const sub of ['networkx', 'sql']) {
    for (const f of readdirSync(join(FIXTURES, 'ory-keto', sub))) files.set(f, join(FIXTURES, 'ory-keto', sub, f));
  }
  const re = /^(\d+_[^.]+)(?:\.([a-z0-9]+))?\.(up|down)\.sql$/;
  const byId = new Map<string, { up: Map<string, string>; down: Map<string, string> }>();
  for (const [name, path] of files) {
    const m = re.exec(name);
    if (!m) throw new Error(`unexpected keto file ${name}`);
    const [, id, dialect = '', dir2] = m;
    const e = byId.get(id!) ?? { up: new Map(), down: new Map() };
    e[dir2 as 'up' | 'down'].set(dialect, path);
    byId.set(id!, e);
  }
  const pick = (m: Map<string, string>) => {
    for (const d of dialects) if (m.has(d)) return m.get(d);
    return m.get('');
  };
  const ids: string[] = [];
  const ups: string[] = [];
  for (const id of [...byId.keys()].sort()) {
    const e = byId.get(id)!;
    const upPath = pick(e.up);
    if (!upPath) continue; // a migration only for other engines (mysql, cockroach)
    const downPath = pick(e.down);
    const up = readFileSync(upPath, 'utf8');
    writeEventdbFile(dir, id, engine, up, downPath ? readFileSync(downPath, 'utf8') : undefined);
    ids.push(id);
    ups.push(up);
  }
  return { ids, ups };
}

const CHINOOK_TABLES = ['album', 'artist', 'customer', 'employee', 'genre', 'invoice', 'invoice_line', 'media_type', 'playlist', 'playlist_track', 'track'];
/** The same tables in the SQLite script's spelling, children before parents (for deletes). */
const CHINOOK_SQLITE_TABLES = ['InvoiceLine', 'PlaylistTrack', 'Track', 'Invoice', 'Customer', 'Employee', 'Album', 'Artist', 'Genre', 'MediaType', 'Playlist'];

/** The vendored Chinook script for an engine, without the PostgreSQL script's DROP/CREATE DATABASE and `\c`. */
export function chinookSql(engine: ConfEngine): string {
  if (engine === 'sqlite') return readFileSync(join(FIXTURES, 'chinook', 'Chinook_Sqlite.sql'), 'utf8');
  const text = readFileSync(join(FIXTURES, 'chinook', 'Chinook_PostgreSql.sql'), 'utf8');
  return text.replace(/^DROP DATABASE IF EXISTS chinook;$/m, '').replace(/^CREATE DATABASE chinook;$/m, '').replace(/^\\c chinook;$/m, '');
}

/**
 * Chinook as two migrations: the schema (tables, keys, indexes) and the data (one multi-row INSERT
 * per table). The downs are written here: drop the tables; delete the rows.
 */
export function buildChinook(engine: ConfEngine, dir: string): BuiltHistory {
  mkdirSync(dir, { recursive: true });
  const text = chinookSql(engine);
  const at = text.search(/^INSERT INTO/m);
  const schema = text.slice(0, at);
  const data = text.slice(at);
  const tables = engine === 'postgres' ? CHINOOK_TABLES : CHINOOK_SQLITE_TABLES;
  const q = (t: string) => (engine === 'postgres' ? t : `"${t}"`);
  const dropAll = engine === 'postgres' ? `DROP TABLE ${tables.join(', ')};` : tables.map((t) => `DROP TABLE ${q(t)};`).join('\n');
  const deleteAll = (engine === 'postgres' ? ['invoice_line', 'playlist_track', 'track', 'invoice', 'customer', 'employee', 'album', 'artist', 'genre', 'media_type', 'playlist'] : tables)
    .map((t) => `DELETE FROM ${q(t)};`)
    .join('\n');
  writeEventdbFile(dir, '0001_chinook_schema', engine, schema, dropAll);
  writeEventdbFile(dir, '0002_chinook_data', engine, data, deleteAll);
  return { ids: ['0001_chinook_schema', '0002_chinook_data'], ups: [schema, data] };
}

/** pagila's pg_dump schema as one migration, unchanged (a dump has no down). */
export function buildPagila(dir: string): BuiltHistory {
  mkdirSync(dir, { recursive: true });
  const text = readFileSync(join(FIXTURES, 'pagila', 'pagila-schema.sql'), 'utf8');
  writeEventdbFile(dir, '0001_pagila_schema', 'postgres', text, undefined);
  return { ids: ['0001_pagila_schema'], ups: [text] };
}

/**
 * umami's Prisma Migrate history: one folder `<NN>_<name>/migration.sql` per migration, forward only.
 * Each becomes `<NN>_<name>.postgres.sql` with the file as its up section and no down.
 */
export function buildUmami(dir: string): BuiltHistory {
  mkdirSync(dir, { recursive: true });
  const root = join(FIXTURES, 'umami', 'migrations');
  const ids = readdirSync(root).sort();
  const ups = ids.map((id) => readFileSync(join(root, id, 'migration.sql'), 'utf8'));
  ids.forEach((id, i) => writeEventdbFile(dir, id, 'postgres', ups[i]!, undefined));
  return { ids, ups };
}

/**
 * supabase/auth's history: `<version>_<name>[.postgres].up.sql`, forward only, each a Go template whose
 * `{{ index .Options "Namespace" }}` is the schema (`auth`, the server's default). Migration
 * `00000000000000_auth_schema` first makes what the server makes before it runs them: the schema and its
 * `schema_migrations` table. The replay SQL is the substituted text, as the server runs it.
 */
export function buildSupabaseAuth(dir: string): BuiltHistory {
  mkdirSync(dir, { recursive: true });
  const root = join(FIXTURES, 'supabase-auth', 'migrations');
  const prelude = 'CREATE SCHEMA IF NOT EXISTS auth;\nCREATE TABLE auth.schema_migrations (version varchar(14) NOT NULL PRIMARY KEY);\n';
  const ids = ['00000000000000_auth_schema'];
  const ups = [prelude];
  writeEventdbFile(dir, ids[0]!, 'postgres', prelude, undefined);
  for (const f of readdirSync(root).sort()) {
    const id = f.replace(/(?:\.postgres)?\.up\.sql$/, '');
    const up = readFileSync(join(root, f), 'utf8').replace(/\{\{\s*index \.Options "Namespace"\s*\}\}/g, 'auth');
    writeEventdbFile(dir, id, 'postgres', up, undefined);
    ids.push(id);
    ups.push(up);
  }
  return { ids, ups };
}

// ---------------------------------------------------------------------------------------------------
// Direct replay

/** Runs SQL with psql (ON_ERROR_STOP), as a person replaying the files would. */
export function psql(url: string, sql: string): void {
  const r = spawnSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', url], { input: sql, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`psql failed (${r.status}): ${r.stderr}`);
}

/** Replays SQL texts in order; each is one psql run or one better-sqlite3 exec (foreign keys on, as eventdb runs). */
export function replay(engine: ConfEngine, target: string, sqls: string[]): void {
  if (engine === 'postgres') {
    psql(target, sqls.join('\n;\n'));
    return;
  }
  const db = new Database(target);
  try {
    db.pragma('foreign_keys = ON');
    for (const s of sqls) db.exec(s);
  } finally {
    db.close();
  }
}

// ---------------------------------------------------------------------------------------------------
// Catalog dumps and row checksums

/** Every schema a migration can create objects in (PostgreSQL's own left out). */
const USER_SCHEMAS = "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'";
/** Objects of schemas other than public are named with their schema (`auth.users`). */
const PG_CATALOG = `
WITH rels AS (
  SELECT c.oid, CASE WHEN n.nspname = 'public' THEN c.relname ELSE n.nspname || '.' || c.relname END AS relname, c.relkind
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE __USER__ __OWN__
)
SELECT 'relation' AS kind, r.relname || ' ' || r.relkind::text || coalesce(' ' || pg_get_expr(c.relpartbound, c.oid), '') AS def
  FROM rels r JOIN pg_class c ON c.oid = r.oid
UNION ALL
SELECT 'column', r.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
       || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
       || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '')
       || CASE WHEN a.attgenerated <> '' THEN ' generated ' || a.attgenerated::text ELSE '' END
       || CASE WHEN a.attidentity <> '' THEN ' identity ' || a.attidentity::text ELSE '' END
       || coalesce(' collate ' || nullif(co.collname, 'default'), '')
  FROM rels r JOIN pg_attribute a ON a.attrelid = r.oid AND r.relkind IN ('r', 'p', 'v', 'm', 'f') AND a.attnum > 0 AND NOT a.attisdropped
  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
  LEFT JOIN pg_collation co ON co.oid = a.attcollation AND a.attcollation <> 0
UNION ALL
SELECT 'constraint', r.relname || '.' || con.conname || ' ' || pg_get_constraintdef(con.oid)
  FROM pg_constraint con JOIN rels r ON r.oid = con.conrelid
UNION ALL
SELECT 'index', pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN rels r ON r.oid = i.indrelid
UNION ALL
SELECT 'view', r.relname || ' ' || pg_get_viewdef(r.oid) FROM rels r WHERE r.relkind IN ('v', 'm')
UNION ALL
SELECT 'trigger', pg_get_triggerdef(t.oid) FROM pg_trigger t JOIN rels r ON r.oid = t.tgrelid WHERE NOT t.tgisinternal
UNION ALL
SELECT 'function', CASE WHEN p.prokind IN ('f', 'p') THEN pg_get_functiondef(p.oid)
                        ELSE p.prokind::text || ' ' || p.oid::regprocedure::text END
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE __USER__
UNION ALL
SELECT 'type', CASE WHEN n.nspname = 'public' THEN '' ELSE n.nspname || '.' END || t.typname || ' ' || t.typtype::text || coalesce(' ' || format_type(t.typbasetype, t.typtypmod), '')
       || coalesce(' ' || (SELECT string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid), '')
       || coalesce(' ' || (SELECT string_agg(pg_get_constraintdef(c.oid), ',' ORDER BY c.conname) FROM pg_constraint c WHERE c.contypid = t.oid), '')
  FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
  WHERE __USER__ AND t.typtype IN ('d', 'e')
`.replaceAll('__USER__', USER_SCHEMAS);

/** The user schemas' objects as sorted lines (eventdb's own tables left out unless `withOwn`). */
export async function pgCatalog(url: string, withOwn = false): Promise<string[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const sql = PG_CATALOG.replace('__OWN__', withOwn ? '' : "AND c.relname !~ '^eventdb_'");
    const r = await c.query<{ kind: string; def: string }>(sql);
    return r.rows.map((x) => `${x.kind}: ${x.def.replace(/\s+/g, ' ').trim()}`).sort();
  } finally {
    await c.end();
  }
}

/** Rows per table (count and an md5 over the rows in a stable order), for every ordinary and partitioned table. */
export async function pgRows(url: string, withOwn = false): Promise<Record<string, string>> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const rels = (await c.query<{ t: string; q: string; populated: boolean }>(
      `SELECT CASE WHEN nspname = 'public' THEN relname ELSE nspname || '.' || relname END AS t, quote_ident(nspname) || '.' || quote_ident(relname) AS q, relispopulated AS populated
         FROM pg_class c JOIN pg_namespace n ON n.oid = relnamespace WHERE ${USER_SCHEMAS} AND relkind IN ('r', 'm') ORDER BY 1`,
    )).rows;
    const quoted = new Map(rels.map((x) => [x.t, x.q]));
    const tables = rels.map((x) => x.t).filter((t) => withOwn || !OWN.test(t));
    const unpopulated = new Set(rels.filter((x) => !x.populated).map((x) => x.t));
    const out: Record<string, string> = {};
    for (const t of tables) {
      if (unpopulated.has(t)) {
        out[t] = 'not populated'; // a materialized view created WITH NO DATA cannot be read
        continue;
      }
      if (/^eventdb_/.test(t)) {
        out[t] = (await c.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${quoted.get(t)}`)).rows[0]!.n; // times differ per run
        continue;
      }
      const r = await c.query<{ n: string; h: string }>(`SELECT count(*)::text AS n, coalesce(md5(string_agg(x::text, E'\\n' ORDER BY x::text)), '') AS h FROM ${quoted.get(t)} x`);
      out[t] = `${r.rows[0]!.n} ${r.rows[0]!.h}`;
    }
    return out;
  } finally {
    await c.end();
  }
}

/** sqlite_master as sorted lines with whitespace collapsed (eventdb's own objects left out unless `withOwn`). */
export function sqliteCatalog(path: string, withOwn = false): string[] {
  const db = new Database(path, { readonly: true });
  try {
    const rows = db.prepare("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'").all() as Array<{ type: string; name: string; tbl_name: string; sql: string | null }>;
    return rows
      .filter((r) => withOwn || !(OWN.test(r.name) || OWN.test(r.tbl_name)))
      .map((r) => `${r.type} ${r.name} ${r.tbl_name}: ${(r.sql ?? '').replace(/\s+/g, ' ').trim()}`)
      .sort();
  } finally {
    db.close();
  }
}

export function sqliteRows(path: string, withOwn = false): Record<string, string> {
  const db = new Database(path, { readonly: true });
  try {
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as Array<{ name: string }>)
      .map((r) => r.name)
      .filter((t) => withOwn || !OWN.test(t));
    const out: Record<string, string> = {};
    for (const t of tables) {
      const rows = db.prepare(`SELECT * FROM "${t.replace(/"/g, '""')}"`).raw().all();
      if (OWN.test(t)) {
        out[t] = String(rows.length);
        continue;
      }
      const lines = rows.map((r) => JSON.stringify(r)).sort();
      out[t] = `${rows.length} ${createHash('sha256').update(lines.join('\n')).digest('hex')}`;
    }
    return out;
  } finally {
    db.close();
  }
}

/** The file path of a `sqlite:` URL. */
export const sqlitePath = (url: string) => url.replace(/^sqlite:/, '');

// ---------------------------------------------------------------------------------------------------
// PostgreSQL ground truth for lint's rewrite and lock claims

export interface StepTruth {
  /** Tables that existed before the step and got a new relfilenode (rewritten). */
  rewritten: string[];
  /** Tables that existed before the step, with the strongest lock mode the step took on them. */
  locks: Record<string, string>;
}

/** Lock modes that block writes (conflict with the ROW EXCLUSIVE lock INSERT/UPDATE/DELETE take). */
export const WRITE_BLOCKING = ['ShareLock', 'ShareRowExclusiveLock', 'ExclusiveLock', 'AccessExclusiveLock'];
const MODE_ORDER = ['AccessShareLock', 'RowShareLock', 'RowExclusiveLock', 'ShareUpdateExclusiveLock', ...WRITE_BLOCKING];

/**
 * Replays the steps one by one, each in its own transaction, and reports what PostgreSQL did to the
 * tables that existed before each step: a rewrite (new relfilenode, same table) and the locks held at
 * its end (pg_locks of this backend, before COMMIT).
 */
export async function pgStepTruth(url: string, steps: string[]): Promise<StepTruth[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const out: StepTruth[] = [];
    for (const sql of steps) {
      await c.query('BEGIN');
      const before = new Map((await c.query<{ oid: string; node: string }>("SELECT c.oid::text AS oid, c.relfilenode::text AS node FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r'")).rows.map((r) => [r.oid, r.node]));
      await c.query(sql);
      const after = (await c.query<{ oid: string; name: string; node: string }>("SELECT c.oid::text AS oid, c.relname AS name, c.relfilenode::text AS node FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r'")).rows;
      const locks = (await c.query<{ oid: string; name: string; mode: string }>('SELECT c.oid::text AS oid, c.relname AS name, l.mode FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE l.pid = pg_backend_pid() AND l.granted')).rows;
      await c.query('COMMIT');
      const held: Record<string, string> = {};
      for (const l of locks.filter((x) => before.has(x.oid))) {
        if (!held[l.name] || MODE_ORDER.indexOf(l.mode) > MODE_ORDER.indexOf(held[l.name]!)) held[l.name] = l.mode;
      }
      out.push({ rewritten: after.filter((r) => before.has(r.oid) && before.get(r.oid) !== r.node).map((r) => r.name), locks: held });
    }
    return out;
  } finally {
    await c.end();
  }
}

/** The table a lock or rewrite finding's statement acts on (`ALTER TABLE t`, `CREATE INDEX … ON t`). */
export function statementTable(statement: string): string | undefined {
  const m = /^\s*ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?(?:"?public"?\.)?"?(\w+)"?/i.exec(statement) ?? /^\s*CREATE\s+(?:UNIQUE\s+)?INDEX\b[\s\S]*?\bON\s+(?:ONLY\s+)?(?:"?public"?\.)?"?(\w+)"?/i.exec(statement);
  return m?.[1];
}
