import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackup, restoreSnapshot } from '../../../src/backup/index.js';
import { resolveConfig, type ResolvedConfig } from '../../../src/config/index.js';
import { lintMigrations, openDatabase } from '../../../src/index.js';
import { splitStatements } from '../../../src/migrations/split.js';
import { sql } from 'kysely';
import { loadExpectedSchemaFile } from '../../../src/schema/loader.js';
import { pullSchema } from '../../../src/schema/pull/index.js';
import { collectFindings } from '../../../src/schema/validate.js';
import { dropPgDatabases } from '../../backup/helpers.js';
import { FIXTURES, psql } from '../../conformance/helpers.js';
import { createPgDatabase, pgAdminUrl, withDatabase } from '../../helpers/engines.js';
import { catalogDifference, dataDump } from './catalog.js';

/**
 * GitLab's db/structure.sql (a slice, test/fixtures/gitlab, MIT) plus our own SQL in its style: a function
 * returning a table's row type (`find_namespaces_by_id(bigint) RETURNS namespaces`) and a list-partitioned
 * table whose partitions sort before it (`epic_notes`, `issue_notes` of `notes`; one in
 * `gitlab_partitions_static`). Judged by PostgreSQL: pg_dump of the source and of the restored copy.
 */
const SLICE = readFileSync(join(FIXTURES, 'gitlab', 'structure-slice.sql'), 'utf8');
const PARTITIONS = `
CREATE TABLE notes (
    id bigint NOT NULL,
    note text,
    noteable_type character varying NOT NULL,
    noteable_id bigint,
    created_at timestamp(6) without time zone NOT NULL
)
PARTITION BY LIST (noteable_type);

CREATE SEQUENCE notes_id_seq START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE CACHE 1;

ALTER SEQUENCE notes_id_seq OWNED BY notes.id;

CREATE TABLE epic_notes (
    id bigint DEFAULT nextval('notes_id_seq'::regclass) NOT NULL,
    note text,
    noteable_type character varying NOT NULL,
    noteable_id bigint,
    created_at timestamp(6) without time zone NOT NULL
);

CREATE TABLE gitlab_partitions_static.issue_notes (
    id bigint DEFAULT nextval('notes_id_seq'::regclass) NOT NULL,
    note text,
    noteable_type character varying NOT NULL,
    noteable_id bigint,
    created_at timestamp(6) without time zone NOT NULL
);

ALTER TABLE ONLY notes ATTACH PARTITION epic_notes FOR VALUES IN ('Epic');

ALTER TABLE ONLY notes ATTACH PARTITION gitlab_partitions_static.issue_notes FOR VALUES IN ('Issue');

ALTER TABLE ONLY notes ALTER COLUMN id SET DEFAULT nextval('notes_id_seq'::regclass);

ALTER TABLE ONLY namespaces
    ADD CONSTRAINT namespaces_pkey PRIMARY KEY (id);

ALTER TABLE notes
    ADD CONSTRAINT notes_pkey PRIMARY KEY (id, noteable_type);

CREATE INDEX index_notes_on_noteable_id ON notes USING btree (noteable_id);

CREATE INDEX index_namespaces_on_name_trigram ON namespaces USING gin (name gin_trgm_ops);
`;
const ROWS = `
INSERT INTO namespaces (id, name, path, organization_id) VALUES (1, 'gitlab-org', 'gitlab-org', 1), (2, 'gitlab-com', 'gitlab-com', 1);
INSERT INTO notes (note, noteable_type, noteable_id, created_at) VALUES ('on an epic', 'Epic', 1, '2026-01-01'), ('on an issue', 'Issue', 2, '2026-01-02');
`;

const work = mkdtempSync(join(tmpdir(), 'eventdb-gitlab-'));
let db: Awaited<ReturnType<typeof createPgDatabase>>;
let config: ResolvedConfig;
const restored: string[] = [];

beforeAll(async () => {
  db = await createPgDatabase('eventdb_gitlab');
  psql(db.url, `${SLICE}\n${PARTITIONS}\n${ROWS}`);
  config = await resolveConfig({ flags: { url: db.url }, env: {}, cwd: work });
}, 60_000);

afterAll(async () => {
  await dropPgDatabases(pgAdminUrl(), restored);
  await db?.drop();
  rmSync(work, { recursive: true, force: true });
});

describe("GitLab's structure: backup with eventdb's own dump → restore --to", () => {
  it('the copy has the same catalog and rows: the function over namespaces after its table, partitions after their parent', async () => {
    const store = `file:${join(work, 'store')}`;
    const env = { EVENTDB_PG_DUMP: 'never' };
    const b = await createBackup(config, { store, env });
    expect(b.tables).toMatchObject({ epic_notes: 1, 'gitlab_partitions_static.issue_notes': 1, namespaces: 2 });
    const name = `${db.name}_own`;
    restored.push(name);
    const to = withDatabase(pgAdminUrl(), name);
    const r = await restoreSnapshot(config, { id: b.id, store, env, to });
    expect(r.restored).toBe(true);
    expect(catalogDifference(db.url, to)).toEqual({ onlyInSource: [], onlyInCopy: [] });
    expect(dataDump(to)).toEqual(dataDump(db.url));
    // the copy works as the source: the function reads the table, ids continue from the parent's sequence
    psql(to, `DO $$ BEGIN
      IF (find_namespaces_by_id(2)).path <> 'gitlab-com' THEN RAISE EXCEPTION 'find_namespaces_by_id'; END IF;
      INSERT INTO notes (note, noteable_type, created_at) VALUES ('next', 'Epic', now());
      IF (SELECT max(id) FROM notes) <> 3 THEN RAISE EXCEPTION 'sequence'; END IF;
    END $$;`);
  }, 60_000);
});

describe("GitLab's structure: pull, validate, lint", () => {
  it('schema pull says which partitioned tables it declares as plain ones; validate reports nothing; the structure linted as one migration has no finding', async () => {
    const file = join(work, 'pulled', 'index.ts');
    const conn = await openDatabase(config);
    try {
      const pulled = await pullSchema(conn, { out: file });
      // The declaration has no partitioning: pull says which tables it declares as plain ones (PostgreSQL's pg_inherits).
      const inherits = await sql<{ parent: string; children: string[] }>`
        select p.relname as parent, array_agg(case when c.relnamespace = 'public'::regnamespace then c.relname::text else c.relnamespace::regnamespace::text || '.' || c.relname end order by 1) as children
          from pg_inherits i join pg_class p on p.oid = i.inhparent join pg_class c on c.oid = i.inhrelid
         where p.relkind = 'p' and p.relnamespace = 'public'::regnamespace group by p.relname order by 1`.execute(conn.db);
      expect(pulled.partitioned).toEqual(inherits.rows.map((r) => ({ table: r.parent, partitions: r.children })));
      expect(pulled.partitioned).toEqual([{ table: 'notes', partitions: ['epic_notes', 'gitlab_partitions_static.issue_notes'] }]);
      const expected = await loadExpectedSchemaFile(file);
      const found = await collectFindings(conn, config, { expected, migrations: false, drift: false });
      expect(found.items.map((i) => i.finding).filter((f) => f.check === 'schema' && f.level !== 'ok')).toEqual([]);
    } finally {
      await conn.close();
    }
    // Everything is created by the one migration: indexing a table it creates locks nothing anyone uses.
    const dir = join(work, 'lint');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, '0001_structure.sql'), `${SLICE}\n${PARTITIONS}`);
    const lint = await lintMigrations({ paths: [dir], engine: 'postgres', failOn: 'high', cwd: dir });
    expect(lint.findings.map((f) => `${f.rule}: ${f.message}`)).toEqual([]);
  }, 60_000);
});

/** What PGlite's catalog says of the copy (no pg_dump runs against PGlite): functions, types, partitions, rows. */
async function pgliteFacts(url: string) {
  const conn = await openDatabase({ flags: { url }, env: {}, cwd: work });
  try {
    const q = async (text: string) => (await sql.raw<Record<string, unknown>>(text).execute(conn.db)).rows;
    return {
      functions: await q(`select p.oid::regprocedure::text as f, pg_get_function_result(p.oid) as r from pg_proc p where p.pronamespace = 'public'::regnamespace order by 1`),
      types: await q(`select t.typname::text as n, t.typtype::text as k from pg_type t where t.typnamespace = 'public'::regnamespace and (t.typtype = 'd' or t.typtype = 'c' and (select relkind from pg_class where oid = t.typrelid) = 'c') order by 1`),
      partitions: await q(`select inhrelid::regclass::text as child, inhparent::regclass::text as parent from pg_inherits order by 1`),
      rows: await q(`select (select count(*)::int from namespaces) as namespaces, (select count(*)::int from epic_notes) as epic, (select count(*)::int from gitlab_partitions_static.issue_notes) as issue, (select count(*)::int from empty_cols) as empty_cols, (find_namespaces_by_id(2)).path as found`),
    };
  } finally {
    await conn.close();
  }
}

describe("GitLab's structure on PGlite (PostgreSQL 18; without the extensions PGlite does not load): backup → restore", () => {
  it('the copy has the same functions, domains and composite types, partitions and rows, a zero-column table included', async () => {
    const url = `pglite:${join(work, 'pglite-source')}`;
    const text = `${SLICE}\n${PARTITIONS}\n${ROWS}
      CREATE TABLE empty_cols (); INSERT INTO empty_cols DEFAULT VALUES;
      CREATE DOMAIN positive AS integer CHECK (VALUE > 0); CREATE TYPE pair AS (a positive, b text); CREATE TABLE uses_pair (p pair, q positive);`
      .replace(/CREATE EXTENSION[^;]*;/g, '')
      .replace(/CREATE INDEX index_namespaces_on_name_trigram[^;]*;/, '');
    const load = await openDatabase({ flags: { url }, env: {}, cwd: work });
    try {
      for (const s of await splitStatements(text, 'postgres')) await sql.raw(s).execute(load.db);
    } finally {
      await load.close();
    }
    const source = await resolveConfig({ flags: { url }, env: {}, cwd: work });
    const store = `file:${join(work, 'pglite-store')}`;
    const b = await createBackup(source, { store, env: {} });
    const to = `pglite:${join(work, 'pglite-copy')}`;
    const r = await restoreSnapshot(source, { id: b.id, store, env: {}, to });
    expect(r.restored).toBe(true);
    const before = await pgliteFacts(url);
    expect(before.rows).toEqual([{ namespaces: 2, epic: 1, issue: 1, empty_cols: 1, found: 'gitlab-com' }]);
    expect(await pgliteFacts(to)).toEqual(before);
  }, 120_000);
});
