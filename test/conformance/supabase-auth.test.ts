import { describe } from 'vitest';
import { buildSupabaseAuth } from './helpers.js';
import { type Source, lifecycle, lint, useDatabases } from './suite.js';

// supabase/auth's history (PostgreSQL, forward only): everything in the `auth` schema, much of the DDL
// inside DO blocks, functions, grants, row-level security.
const src: Source = {
  name: 'supabase-auth',
  engine: 'postgres',
  build: buildSupabaseAuth,
  reversible: false,
  expect: ['relation: auth.users r', 'relation: auth.one_time_tokens r', 'index: CREATE INDEX users_is_anonymous_idx ON auth.users', 'function: CREATE OR REPLACE FUNCTION auth.jwt()', 'type: auth.factor_type e'],
};

describe('supabase/auth migrations [postgres]', () => {
  const db = useDatabases(src);
  lifecycle(src, db);
  lint(src, db);
});
