import { buildPagila } from './helpers.js';
import { type Source, describe, lifecycle, useDatabases } from './suite.js';

/*
 * pagila's pg_dump schema used as a migration (a common way to baseline an existing database). A dump
 * starts with `SELECT pg_catalog.set_config('search_path', '', false);` and `\restrict`: eventdb's own
 * bookkeeping must not depend on the session's search_path (issue 19, item 1). A dump has no down.
 */
describe('pagila pg_dump as a migration [postgres]', () => {
  const src: Source = { name: 'pagila-migration', engine: 'postgres', build: buildPagila, reversible: false, expect: ['relation: rental_by_category m', 'relation: payment p'] };
  lifecycle(src, useDatabases(src));
});
