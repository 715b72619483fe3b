import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { resolveConfig } from '../../../src/config/index.js';
import { EventdbError } from '../../../src/errors.js';
import { migrateDiff } from '../../../src/index.js';
import { rehearsalHint } from '../../../src/schema/generate/replay.js';
import type { ExpectedSchema } from '../../../src/schema/model.js';
import { createPgDatabase } from '../../helpers/engines.js';

// Adopting LemmyNet/lemmy: its pulled declaration names functions (a default calling
// generate_unique_changeme()) and pg_trgm's operator classes that no declaration holds. The rehearsal's
// hint says what to do: create them in a hand-written migration before the generated one.

let db: Awaited<ReturnType<typeof createPgDatabase>>;
let dir: string;
beforeAll(async () => {
  db = await createPgDatabase('eventdb_hint');
  dir = mkdtempSync(join(tmpdir(), 'eventdb-hint-'));
});
afterAll(async () => {
  await db.drop();
  rmSync(dir, { recursive: true, force: true });
});

const schema = (def: string, keys: string[] = ['ap_id']): ExpectedSchema => ({
  formatVersion: 1,
  rules: [],
  engines: ['postgres'],
  tables: [{ name: 'post', required: true, primaryKey: ['id'], columns: [{ name: 'id', family: 'integer', type: 'integer', nullable: false }, { name: 'ap_id', family: 'text', type: 'text', nullable: false, default: def }], indexes: [{ name: 'post_ap', columns: keys, unique: false, ...(keys[0]!.includes('_ops') ? { using: 'gin' } : {}) }] }],
});

it.each([
  ['a default calling a function no migration creates', schema('generate_unique_changeme()'), /function generate_unique_changeme\(\) does not exist/],
  ['an operator class of an extension no migration creates', schema("'x'", ['ap_id gin_trgm_ops']), /operator class "gin_trgm_ops" does not exist/],
])('%s: DIFF_REHEARSAL with the hint to create it in a migration before, nothing written', async (_name, expected, engineMessage) => {
  const config = await resolveConfig({ flags: { url: db.url }, env: { EVENTDB_MIGRATIONS_DIR: join(dir, 'migrations') }, cwd: dir });
  const err = await migrateDiff(config, { name: 'initial', expected }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(EventdbError);
  expect((err as EventdbError).code).toBe('DIFF_REHEARSAL');
  expect((err as EventdbError).message).toMatch(engineMessage);
  expect((err as EventdbError).hint).toMatch(/^the declaration names an object it does not declare .*hand-written migration before this one/);
  expect(existsSync(join(dir, 'migrations'))).toBe(false);
});

it('the grouped layout\'s failure is reported even when the one-step-each layout would fail the lint (tables in a foreign-key cycle)', async () => {
  // documenso: pg_trgm missing from the scratch, and its cycle's closing foreign key alone in a migration
  // of the split layout is a lock finding on a table the lint cannot know is new — that finding hid the cause
  const t = (name: string, ref: string) => ({ name, required: true, primaryKey: ['id'], columns: [{ name: 'id', family: 'integer' as const, type: 'integer', nullable: false }, { name: 'ref', family: 'text' as const, type: 'text', nullable: true }, { name: 'other', family: 'integer' as const, type: 'integer', nullable: true }], foreignKeys: [{ columns: ['other'], references: { table: ref, columns: ['id'] } }] });
  const expected: ExpectedSchema = { formatVersion: 1, rules: [], engines: ['postgres'], tables: [{ ...t('a', 'b'), indexes: [{ name: 'a_ref', columns: ['ref gin_trgm_ops'], unique: false, using: 'gin' }] }, t('b', 'a')] };
  const config = await resolveConfig({ flags: { url: db.url }, env: { EVENTDB_MIGRATIONS_DIR: join(dir, 'migrations') }, cwd: dir });
  const err = (await migrateDiff(config, { name: 'initial', expected }).then(() => undefined, (e: unknown) => e)) as EventdbError;
  expect(err.code).toBe('DIFF_REHEARSAL');
  expect(err.message).toMatch(/operator class "gin_trgm_ops" does not exist/);
  expect(existsSync(join(dir, 'migrations'))).toBe(false);
});

it('keeps the general hint for a change the engine refuses', () => {
  expect(rehearsalHint('cannot alter type of a column used by a view or rule')).toMatch(/^the engine cannot make this change as planned/);
});
