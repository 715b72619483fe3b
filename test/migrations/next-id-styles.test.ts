import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/index.js';
import { EventdbError } from '../../src/errors.js';
import { migrateDiff } from '../../src/index.js';
import { createMigration, loadMigrations } from '../../src/migrations/index.js';
import { nextIds } from '../../src/schema/generate/write.js';
import type { ExpectedSchema } from '../../src/schema/model.js';
import { runCli } from '../helpers/cli.js';

// The next migration ID (`migrate create`, `migrate diff`) continues the folder's naming style and
// sorts after every existing ID in the loader's order — found on real histories: diesel's
// `YYYY-MM-DD-HHMMSS_x` (vaultwarden, lemmy) got `2025_x`, Flyway's `V1__init` got `0001_x`.

const NOW = new Date('2026-12-03T14:15:00Z');
const BODY = '-- eventdb:up\nselect 1;\n';

const root = mkdtempSync(join(tmpdir(), 'eventdb-next-id-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function folder(files: string[]): string {
  const dir = join(mkdtempSync(join(root, 'case-')), 'migrations');
  mkdirSync(dir);
  for (const f of files) writeFileSync(join(dir, f), BODY);
  return dir;
}

/** The ID `migrate diff` would choose and the one `migrate create` writes (the same), and the file is last in the loader's order. */
async function next(files: string[], name = 'add_name', now = NOW): Promise<string> {
  const dir = folder(files);
  const [diff] = nextIds(dir, name, 1, now);
  const created = createMigration(dir, name, { now });
  expect(created.id).toBe(diff);
  expect(created.file).toBe(join(dir, `${created.id}.sql`));
  const order = (await loadMigrations(dir, 'sqlite', { checksumOnly: true })).map((m) => m.id);
  expect(order[order.length - 1]).toBe(created.id);
  return created.id;
}

function refusal(files: string[]): EventdbError {
  const dir = folder(files);
  let diff: unknown;
  try {
    nextIds(dir, 'add_name', 1, NOW);
  } catch (e) {
    diff = e;
  }
  let create: unknown;
  try {
    createMigration(dir, 'add_name', { now: NOW });
  } catch (e) {
    create = e;
  }
  expect(readdirSync(dir).sort()).toEqual([...files].sort());
  for (const e of [diff, create]) {
    expect(e).toBeInstanceOf(EventdbError);
    expect((e as EventdbError).code).toBe('NEXT_ID');
    expect((e as EventdbError).exitCode).toBe(2);
    expect((e as EventdbError).hint).toMatch(/by hand .* sorts after|rename/);
  }
  return create as EventdbError;
}

describe('counters keep their width', () => {
  it('an empty folder starts at 0001; 4-digit, golang-migrate (6), goose (5) and unpadded counters continue', async () => {
    expect(await next([])).toBe('0001_add_name');
    expect(await next(['0001_init.sql', '0009_a.postgres.sql', '0009_a.sqlite.sql'])).toBe('0010_add_name');
    expect(await next(['000001_init.sql', '000002_users.sql'])).toBe('000003_add_name');
    expect(await next(['00001_init.sql', '00009_x.sql'])).toBe('00010_add_name');
    expect(await next(['1_init.sql', '2_users.sql'])).toBe('3_add_name');
    expect(await next(['0009_a.sql', '0010_b.sql', '_helper.ts', '.hidden.sql', 'README.md'])).toBe('0011_add_name');
    expect(nextIds(folder(['009_a.sql']), 'x', 3, NOW)).toEqual(['010_x', '011_x', '012_x']);
  });
});

describe('14-digit timestamps (dbmate, goose, golang-migrate, knex) continue with the current UTC time', () => {
  it('the time now, after the newest', async () => {
    expect(await next(['20240101120000_init.sql'])).toBe('20261203141500_add_name');
    expect(nextIds(folder(['20240101120000_init.sql']), 'x', 2, NOW)).toEqual(['20261203141500_x', '20261203141501_x']);
  });

  it('the newest in the future (or this very second): the newest plus one second', async () => {
    expect(await next(['20240101120000_init.sql', '20990101000000_future.sql'])).toBe('20990101000001_add_name');
    expect(await next(['20261203141500_zzz.sql'])).toBe('20261203141501_add_name');
    expect(nextIds(folder(['20991231235959_x.sql']), 'x', 2, NOW)).toEqual(['21000101000000_x', '21000101000001_x']);
  });

  it('12-digit (minutes), Unix seconds (10) and milliseconds (13) continue their own clock', async () => {
    expect(await next(['202401011200_init.sql'])).toBe('202612031415_add_name');
    expect(await next(['209901011200_future.sql'])).toBe('209901011201_add_name');
    expect(await next(['1700000000_init.sql'])).toBe(`${NOW.getTime() / 1000}_add_name`);
    expect(await next(['1700000000000_init.sql'])).toBe(`${NOW.getTime()}_add_name`);
    expect(await next(['9000000000000_future.sql'])).toBe('9000000000001_add_name');
  });

  it('a 14-digit counter that is no time stays a counter', async () => {
    expect(await next(['00000000000001_init.sql'])).toBe('00000000000002_add_name');
  });
});

describe('diesel: YYYY-MM-DD-HHMMSS_name', () => {
  it('continues with the current UTC time in the same style (not the year bumped as a counter)', async () => {
    expect(await next(['2024-01-01-000000_init.sql'])).toBe('2026-12-03-141500_add_name');
    expect(await next(['00000000000000_diesel_initial_setup.sql', '2024-01-01-000000_init.sql', '2025-08-01-000030_optimize.sql'])).toBe('2026-12-03-141500_add_name');
    expect(await next(['00000000000000_diesel_initial_setup.sql'])).toBe('2026-12-03-141500_add_name');
    expect(await next(['2024-01-01-000000_init.sql', '2026-12-01-000000_upstream.sql'])).toBe('2026-12-03-141500_add_name');
    expect(nextIds(folder(['2024-01-01-000000_init.sql']), 'x', 2, NOW)).toEqual(['2026-12-03-141500_x', '2026-12-03-141501_x']);
  });

  it('the newest in the future (or this very second): the newest plus one second, across a day', async () => {
    expect(await next(['2024-01-01-000000_init.sql', '2027-01-01-000000_future.sql'])).toBe('2027-01-01-000001_add_name');
    expect(await next(['2026-12-03-141500_zzz.sql'])).toBe('2026-12-03-141501_add_name');
    expect(await next(['2027-12-31-235959_future.sql'])).toBe('2028-01-01-000000_add_name');
  });

  it('a later upstream file still sorts after the generated one (no OUT_OF_ORDER)', async () => {
    const dir = folder(['2024-01-01-000000_init.sql', '2026-12-01-000000_upstream.sql']);
    const made = createMigration(dir, 'add_name', { now: NOW });
    writeFileSync(join(dir, '2026-12-05-000000_later.sql'), BODY);
    const order = (await loadMigrations(dir, 'sqlite', { checksumOnly: true })).map((m) => m.id);
    expect(order).toEqual(['2024-01-01-000000_init', '2026-12-01-000000_upstream', made.id, '2026-12-05-000000_later']);
    expect(made.id).toBe('2026-12-03-141500_add_name');
  });
});

describe('Flyway: V<version>__name', () => {
  it('continues with the next major version', async () => {
    expect(await next(['V1__init.sql'], 'add_thing')).toBe('V2__add_thing');
    expect(await next(['V1__init.sql', 'V2__add.sql'])).toBe('V3__add_name');
    expect(await next(['V1__init.sql', 'V1_1__fix.sql'])).toBe('V2__add_name');
    expect(await next(['V1__init.sql', 'V2.1__fix.sql'])).toBe('V3__add_name');
    expect(await next(['V001__init.sql', 'V002__add.sql'])).toBe('V003__add_name');
    expect(await next(['R__views.sql', 'V1__init.sql'])).toBe('V2__add_name');
    expect(await next(['V20240101120000__init.sql'])).toBe('V20261203141500__add_name');
    expect(nextIds(folder(['V1__init.sql']), 'x', 2, NOW)).toEqual(['V2__x', 'V3__x']);
  });

  it('refuses (NEXT_ID) when the next version would sort before the newest as text: V10 before V9', () => {
    const e = refusal(['V1__init.sql', 'V9__nine.sql']);
    expect(e.message).toBe('cannot choose the next migration ID: V10__add_name (the Flyway version style continued) would sort before V9__nine (IDs without a leading number compare as text)');
    expect(e.hint).toMatch(/V001__x/);
    refusal(['V1__init.sql', 'V2__two.sql', 'V10__ten.sql']);
    expect(() => nextIds(folder(['V1__init.sql', 'V8__eight.sql']), 'x', 2, NOW)).toThrow(/V10__x .* would sort before V9__x/);
  });
});

describe('no style to continue', () => {
  it('refuses (NEXT_ID) rather than write an ID that sorts before the newest', () => {
    const e = refusal(['init.sql', 'add_users.sql']);
    expect(e.message).toBe('cannot choose the next migration ID: the newest, init, starts with no number to continue (IDs without a leading number sort as text, after all numbered ones)');
    expect(e.hint).toBe('write the next migration by hand with an ID that sorts after init, or rename the migrations to a numbered style (0001_x, 20260101120000_x, V1__x)');
    refusal(['0001_init.sql', 'seed_data.sql']);
  });
});

describe('the CLI (real clock)', () => {
  it('migrate create: diesel and Flyway folders get an ID of their style that sorts last', async () => {
    const diesel = folder(['2024-01-01-000000_init.sql']);
    const before = new Date().toISOString().slice(0, 10);
    const d = await runCli(['migrate', 'create', 'add_name', '--json'], { env: { EVENTDB_MIGRATIONS_DIR: diesel }, cwd: join(diesel, '..') });
    expect(d.code, d.stderr).toBe(0);
    const made = readdirSync(diesel).filter((f) => f !== '2024-01-01-000000_init.sql');
    expect(made).toHaveLength(1);
    expect(made[0]).toMatch(/^\d{4}-\d{2}-\d{2}-\d{6}_add_name\.sql$/);
    expect(made[0]! >= `${before}-000000`).toBe(true);
    const flyway = folder(['V1__init.sql']);
    const f = await runCli(['migrate', 'create', 'add_thing', '--json'], { env: { EVENTDB_MIGRATIONS_DIR: flyway }, cwd: join(flyway, '..') });
    expect(f.code, f.stderr).toBe(0);
    expect(readdirSync(flyway).sort()).toEqual(['V1__init.sql', 'V2__add_thing.sql']);
    const none = folder(['init.sql']);
    const n = await runCli(['migrate', 'create', 'add_name', '--json'], { env: { EVENTDB_MIGRATIONS_DIR: none }, cwd: join(none, '..') });
    expect(n.code).toBe(2);
    expect(n.json().error.code).toBe('NEXT_ID');
    expect(readdirSync(none)).toEqual(['init.sql']);
  });
});

describe('migrate diff on SQLite writes the next migration in the folder\'s style, and rehearses it', () => {
  const schema: ExpectedSchema = {
    formatVersion: 1,
    rules: [],
    engines: ['sqlite'],
    tables: ['a', 'b'].map((name) => ({ name, required: true, primaryKey: ['id'], columns: [{ name: 'id', family: 'integer' as const, type: 'integer', nullable: false }] })),
  };
  it.each([
    ['Flyway', 'V1__init.sql', ['V1__init.sql', 'V2__add_name.sql']],
    ['diesel', '2024-01-01-000000_init.sql', ['2024-01-01-000000_init.sql', /^\d{4}-\d{2}-\d{2}-\d{6}_add_name\.sql$/]],
  ] as const)('%s', { timeout: 60_000 }, async (_style, first, expected) => {
    const dir = folder([]);
    writeFileSync(join(dir, first), '-- eventdb:up\ncreate table a (id integer primary key not null);\n-- eventdb:down\ndrop table a;\n');
    const cwd = join(dir, '..');
    const config = await resolveConfig({ flags: { url: `sqlite:${join(cwd, 'app.sqlite')}` }, env: { EVENTDB_MIGRATIONS_DIR: dir }, cwd });
    const r = await migrateDiff(config, { name: 'add_name', expected: schema });
    expect(r.written).toHaveLength(1);
    const files = readdirSync(dir).sort();
    expect(files).toHaveLength(2);
    expect(files[0]).toBe(expected[0]);
    if (typeof expected[1] === 'string') expect(files[1]).toBe(expected[1]);
    else expect(files[1]).toMatch(expected[1]);
    const order = (await loadMigrations(dir, 'sqlite')).map((m) => m.id);
    expect(order[1]).toBe(files[1]!.replace(/\.sql$/, ''));
  });
});
