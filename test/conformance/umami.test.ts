import { describe } from 'vitest';
import { buildUmami, psql } from './helpers.js';
import { type Source, lifecycle, lint, lintTruth, useDatabases } from './suite.js';

// umami's Prisma Migrate history (PostgreSQL, forward only): renames, index rebuilds, data conversions.
const src: Source = {
  name: 'umami',
  engine: 'postgres',
  build: buildUmami,
  reversible: false,
  // 01_init inserts the admin user; its created_at is the clock's.
  settle: (url) => psql(url, `UPDATE "user" SET created_at = '2024-01-01 00:00:00+00' WHERE username = 'admin'`),
  expect: ['relation: website_event r', 'relation: session_replay_saved r', 'index: CREATE INDEX website_event_website_id_created_at_tag_idx', 'constraint: report.report_pkey PRIMARY KEY (report_id)'],
};

describe('umami migrations [postgres]', () => {
  const db = useDatabases(src);
  lifecycle(src, db);
  lint(src, db);
});

// umami drops indexes (DROP INDEX names no table) and rebuilds tables: at least one rewrite.
lintTruth('umami', buildUmami, { skipTableless: true, requireRewrite: true });
