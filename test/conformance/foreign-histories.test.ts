import { copyFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe } from 'vitest';
import { type BuiltHistory, FIXTURES } from './helpers.js';
import { type Source, lifecycle, lint, useDatabases } from './suite.js';

// Histories written for other tools, run from their files as they are (no conversion): atuin's plain
// SQL files (sqlx), goose's own integration-test histories (`-- +goose Up/Down`, StatementBegin/End,
// NO TRANSACTION, an empty migration) and dbmate's test migrations (`-- migrate:up/down`). The direct
// replay runs each file's up part as the tool would (the text before its down marker).

/** Copies the fixture folder's files unchanged; the replay SQL is each file's text before `downMarker`. */
function copyAsIs(folder: string, downMarker?: RegExp): (dir: string) => BuiltHistory {
  return (dir) => {
    mkdirSync(dir, { recursive: true });
    const root = join(FIXTURES, folder);
    const files = readdirSync(root).filter((f) => f.endsWith('.sql')).sort();
    for (const f of files) copyFileSync(join(root, f), join(dir, f));
    const ups = files.map((f) => {
      const text = readFileSync(join(root, f), 'utf8');
      const at = downMarker ? text.search(downMarker) : -1;
      return at < 0 ? text : text.slice(0, at);
    });
    return { ids: files.map((f) => f.slice(0, -'.sql'.length)), ups };
  };
}

const GOOSE_DOWN = /^--\s*\+goose\s+down\b/im;
const DBMATE_DOWN = /^--\s*migrate:down\b/im;

const SOURCES: Array<Omit<Source, 'build'> & { folder: string; down?: RegExp }> = [
  { name: 'atuin-postgres', folder: 'atuin/postgres', engine: 'postgres', reversible: false, expect: ['relation: history r', 'relation: store_idx_cache r', 'index: CREATE UNIQUE INDEX record_uniq'] },
  { name: 'atuin-sqlite', folder: 'atuin/sqlite', engine: 'sqlite', reversible: false, expect: ['table store ', 'table history ', 'index record_uniq '] },
  // goose's 00004_empty has an up marker and nothing else: a recorded no-op without a down, so not reversible here
  { name: 'goose-postgres', folder: 'goose/postgres', down: GOOSE_DOWN, engine: 'postgres', reversible: false, expect: ['relation: owners r', 'relation: repos r', 'index: CREATE UNIQUE INDEX owners_owner_name_idx'] },
  { name: 'goose-sqlite', folder: 'goose/sqlite', down: GOOSE_DOWN, engine: 'sqlite', reversible: false, expect: ['table owners ', 'table repos ', 'index idx_owners_owner_name '] },
  { name: 'dbmate-postgres', folder: 'dbmate/migrations', down: DBMATE_DOWN, engine: 'postgres', reversible: true, expect: ['relation: users r', 'relation: posts r'] },
  { name: 'dbmate-sqlite', folder: 'dbmate/migrations', down: DBMATE_DOWN, engine: 'sqlite', reversible: true, expect: ['table users ', 'table posts '] },
];

for (const s of SOURCES) {
  const { folder, down, ...rest } = s;
  const src: Source = { ...rest, build: copyAsIs(folder, down) };
  describe(`${s.name}: another tool's history, its files as they are`, () => {
    const db = useDatabases(src);
    lifecycle(src, db);
    lint(src, db, s.engine === 'sqlite' ? ['unparsable-statement', 'unsupported-statement'] : ['unparsable-statement']);
  });
}
