import type { Engine } from '../config/url.js';

export interface RuleInfo {
  code: string;
  title: string;
  engines: readonly Engine[];
  /** Why it is risky (one sentence). */
  why: string;
}

const ALL: readonly Engine[] = ['postgres', 'sqlite', 'duckdb'];
const PG: readonly Engine[] = ['postgres'];

/** Every rule eventdb knows. Codes are stable: scripts and `risk-accepted` lines match on them. */
export const RULES = {
  'rewrite-column-type': { title: 'Column type change rewrites the table', engines: ['postgres', 'duckdb'], why: 'ALTER COLUMN … TYPE rewrites every row (and rebuilds its indexes) under an ACCESS EXCLUSIVE lock.' },
  'rewrite-volatile-default': { title: 'New column with a volatile default rewrites the table', engines: PG, why: 'A volatile default (random(), gen_random_uuid(), clock_timestamp(), serial, identity, a stored generated column (not a virtual one, PostgreSQL 18+), a VOLATILE function — or, without a database, a function eventdb cannot classify) is computed per row: the table is rewritten under an ACCESS EXCLUSIVE lock.' },
  'rewrite-sqlite-rebuild': { title: 'SQLite table rebuild', engines: ['sqlite'], why: 'Copying a table into a new one and swapping it in rewrites every row while the database is write-locked.' },
  'lock-index-build': { title: 'Index build blocks writes', engines: ['postgres', 'sqlite'], why: 'CREATE INDEX without CONCURRENTLY blocks every write to the table until the build ends; ADD UNIQUE/PRIMARY KEY/EXCLUDE constraints build under ACCESS EXCLUSIVE, so reads wait too.' },
  'lock-foreign-key-validation': { title: 'Foreign key validated under lock', engines: PG, why: 'ADD FOREIGN KEY without NOT VALID scans the whole table while holding SHARE ROW EXCLUSIVE locks on both tables.' },
  'lock-check-validation': { title: 'CHECK constraint validated under lock', engines: PG, why: 'ADD CHECK without NOT VALID scans the whole table under an ACCESS EXCLUSIVE lock.' },
  'lock-set-not-null': { title: 'SET NOT NULL scans under lock', engines: PG, why: 'SET NOT NULL scans the whole table under an ACCESS EXCLUSIVE lock unless a validated CHECK (col IS NOT NULL) proves it.' },
  'rewrite-table': { title: 'Statement rewrites the whole table', engines: PG, why: 'VACUUM FULL, CLUSTER, SET LOGGED/UNLOGGED and SET EXPRESSION of a stored generated column (PostgreSQL 17+) copy every row into a new file under an ACCESS EXCLUSIVE lock: no reads or writes until done.' },
  'rewrite-set-tablespace': { title: 'SET TABLESPACE copies the table', engines: PG, why: 'ALTER TABLE … SET TABLESPACE copies every block of the table to the new tablespace under an ACCESS EXCLUSIVE lock.' },
  'lock-reindex': { title: 'REINDEX without CONCURRENTLY', engines: PG, why: 'REINDEX blocks writes to the table (and reads that would use the index) until the rebuild ends.' },
  'lock-table': { title: 'Explicit LOCK TABLE', engines: PG, why: 'LOCK TABLE holds the lock to the end of the transaction: in ACCESS EXCLUSIVE mode (the default) every read and write waits.' },
  'lock-drop-index': { title: 'DROP INDEX without CONCURRENTLY', engines: PG, why: "DROP INDEX takes an ACCESS EXCLUSIVE lock on the index's table: it waits for every running query, and every query waits for it." },
  'lock-domain-constraint': { title: 'Domain constraint validated under lock', engines: PG, why: 'ALTER DOMAIN … ADD CONSTRAINT checks every column of every table that uses the domain while holding locks on them.' },
  'lock-detach-partition': { title: 'DETACH PARTITION without CONCURRENTLY', engines: PG, why: 'DETACH PARTITION takes an ACCESS EXCLUSIVE lock on the partitioned table: every query on any partition waits.' },
  'txn-control-in-migration': { title: 'Transaction control inside a migration', engines: ALL, why: "eventdb runs each migration in a transaction and does not send a BEGIN or COMMIT written inside it (the whole migration commits once, with its history row); a ROLLBACK there would undo the migration while it is recorded as applied, so eventdb refuses to run it; in a no-transaction migration, a BEGIN never committed leaves the transaction open." },
  'txn-forbidden-statement': { title: 'Statement cannot run in a transaction', engines: ['postgres', 'sqlite'], why: 'VACUUM, CREATE/DROP DATABASE, ALTER SYSTEM and REINDEX of a schema or database refuse to run inside a transaction block: the migration fails.' },
  'txn-pragma-no-effect': { title: 'PRAGMA foreign_keys inside a transaction', engines: ['sqlite'], why: 'SQLite ignores PRAGMA foreign_keys inside a transaction: foreign keys stay as they were (a table rebuild then cascades deletes to child rows).' },
  'concurrently-in-transaction': { title: 'CONCURRENTLY inside a transaction', engines: PG, why: 'CREATE/DROP INDEX, REINDEX and DETACH PARTITION … CONCURRENTLY cannot run inside a transaction block: the migration fails.' },
  'loss-drop-table': { title: 'DROP TABLE loses data', engines: ALL, why: 'Every row of the table is gone; only a backup brings it back.' },
  'loss-drop-column': { title: 'DROP COLUMN loses data', engines: ALL, why: "The column's values are gone, and code still reading it breaks." },
  'loss-drop-schema': { title: 'DROP SCHEMA loses data', engines: ['postgres', 'duckdb'], why: 'Every table in the schema is gone (CASCADE drops dependants too).' },
  'loss-drop-database': { title: 'DROP DATABASE loses everything', engines: PG, why: 'Every table of the database and all its data are gone.' },
  'loss-truncate': { title: 'TRUNCATE loses data', engines: ['postgres', 'duckdb'], why: 'Every row is removed, under an ACCESS EXCLUSIVE lock.' },
  'loss-delete-without-where': { title: 'DELETE without WHERE', engines: ALL, why: 'Every row of the table is deleted.' },
  'loss-update-without-where': { title: 'UPDATE without WHERE', engines: ALL, why: 'Every row is overwritten (and locked, and rewritten as new row versions).' },
  'loss-narrowing-type': { title: 'Narrowing a column type', engines: ['postgres', 'duckdb'], why: 'Values that do not fit the narrower type make the migration fail, or are cut.' },
  'compat-rename-table': { title: 'Renaming a table breaks the running app', engines: ALL, why: 'The deployed application still queries the old name until it is redeployed.' },
  'compat-rename-column': { title: 'Renaming a column breaks the running app', engines: ALL, why: 'The deployed application still reads and writes the old name until it is redeployed.' },
  'compat-drop-not-null': { title: 'Dropping NOT NULL lets NULLs reach readers', engines: PG, why: 'Code deployed today assumes the column is never NULL; the first NULL written breaks it.' },
  'compat-drop-expected': { title: 'Dropping what the expected schema still declares', engines: ALL, why: 'schema/ still declares the table or column: the application expects it.' },
  'add-not-null-without-default': { title: 'NOT NULL column without a default', engines: ['postgres', 'sqlite'], why: 'Adding a NOT NULL column with no default fails on a table that has rows (always on SQLite).' },
  'txn-ddl-with-large-dml': { title: 'DDL and large DML in one transaction', engines: ALL, why: 'The DDL locks are held for as long as the data change takes.' },
  'unsupported-statement': { title: 'Not supported by the target engine', engines: ['sqlite', 'duckdb'], why: 'The engine rejects the statement: the migration fails there.' },
  'fk-without-index': { title: 'Foreign key without an index', engines: ['postgres', 'sqlite'], why: 'Deleting or updating a parent row scans the whole child table, and joins on the key are slow.' },
  'down-loses-data': { title: 'The down migration loses data', engines: ALL, why: 'Rolling back drops data written since the migration ran.' },
  'unparsable-statement': { title: 'Statement does not parse', engines: ['postgres', 'sqlite'], why: "The engine's grammar rejects it: it cannot be assessed and will most likely fail." },
  'not-analysed': { title: 'Statement not analysed', engines: ['sqlite', 'duckdb'], why: "Valid for the engine, but eventdb's grammar does not read it (DuckDB-only syntax; SQLite the SQLite grammar misses): eventdb could not assess it." },
} as const satisfies Record<string, Omit<RuleInfo, 'code'>>;

export type RuleCode = keyof typeof RULES;

export function ruleInfo(code: string): RuleInfo | undefined {
  const r = (RULES as Record<string, Omit<RuleInfo, 'code'>>)[code];
  return r ? { code, ...r } : undefined;
}

export const RULE_CODES = Object.keys(RULES) as RuleCode[];
