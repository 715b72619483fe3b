import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackup } from '../../src/backup/index.js';
import { resolveConfig } from '../../src/config/index.js';
import { checkDumpFile } from '../../src/dialects/postgres/check-dump.js';
import { defaultSequenceName, DUMP_MAGIC, DumpFormatError, frame, type DumpHeader, type SequenceValue } from '../../src/dialects/postgres/dump-format.js';
import { loadOwnDump } from '../../src/dialects/postgres/own-load.js';
import { EventdbError } from '../../src/errors.js';
import { createPgDatabase } from '../helpers/engines.js';

/**
 * A dump that reads through but cannot be loaded: eventdb's own dump before it kept an identity
 * sequence's name wrote `t_new_id_seq`'s value for a column it made under the default name `t_id_seq`
 * (table renamed from t_new to t). `backup verify` passed it; the restore failed with `relation
 * "public.t_new_id_seq" does not exist`. Also: a table whose row-level security hides rows from the
 * backup's role is refused (as pg_dump does) instead of being copied without them.
 */
const work = mkdtempSync(join(tmpdir(), 'eventdb-own-dump-check-'));
const role = `eventdb_rls_owner_${process.pid}`;
let db: Awaited<ReturnType<typeof createPgDatabase>>;

async function admin(url: string, text: string): Promise<unknown[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const r = (await c.query(text)) as unknown as pg.QueryResult | pg.QueryResult[];
    return (Array.isArray(r) ? r[r.length - 1]! : r).rows as unknown[]; // several statements: the last one's rows
  } finally {
    await c.end();
  }
}

beforeAll(async () => {
  db = await createPgDatabase('eventdb_own_dump_check');
});

afterAll(async () => {
  await db?.drop();
  await admin(db.url.replace(/\/[^/]*$/, '/postgres'), `drop role if exists "${role}"`);
  rmSync(work, { recursive: true, force: true });
});

/** An eventdb-pg dump of one table `public.t` made by `createTable`, whose S frame sets `sequence`. */
function dumpOf(createTable: string, sequence: string): Buffer[] {
  const header: DumpHeader = { version: 1, server: 'PostgreSQL 15.0', preData: [createTable], postData: [], tables: [{ schema: 'public', name: 't', columns: ['x'] }] };
  const seqs: SequenceValue[] = [{ name: sequence, value: '2', called: true }];
  return [
    Buffer.from(DUMP_MAGIC, 'latin1'),
    frame('H', JSON.stringify(header)),
    frame('T', JSON.stringify(header.tables[0])),
    frame('D', '1\n2\n'),
    frame('E', JSON.stringify({ rows: 2 })),
    frame('S', JSON.stringify(seqs)),
    frame('Z', JSON.stringify({ tables: { t: 2 } })),
  ];
}

const OLD_IDENTITY = 'create table "public"."t" ("id" bigint generated always as identity not null, "x" integer)';
const NAMED_IDENTITY = 'create table "public"."t" ("id" bigint generated always as identity (sequence name "public"."t_new_id_seq" start with 1 increment by 1 minvalue 1 maxvalue 9223372036854775807 cache 1 no cycle) not null, "x" integer)';

function dumpFile(name: string, frames: Buffer[]): string {
  const path = join(work, name);
  writeFileSync(path, Buffer.concat(frames));
  return path;
}

describe('eventdb-pg dumps whose sequences their schema does not create', () => {
  it('backup verify (checkDumpFile) refuses an older dump whose identity sequence lost its name: CORRUPT_SNAPSHOT naming the column', async () => {
    const e = await checkDumpFile(dumpFile('renamed', dumpOf(OLD_IDENTITY, 'public.t_new_id_seq')), 'eventdb-pg').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(EventdbError);
    expect((e as EventdbError).code).toBe('CORRUPT_SNAPSHOT');
    expect((e as EventdbError).message).toMatch(/identity column public\.t\.id: a load names its sequence public\.t_id_seq, but the dump sets no such sequence/);
  });

  it('passes an older dump whose identity sequence has the default name, and a dump that names it', async () => {
    expect((await checkDumpFile(dumpFile('default', dumpOf(OLD_IDENTITY, 'public.t_id_seq')), 'eventdb-pg')).tables).toEqual({ t: 2 });
    expect((await checkDumpFile(dumpFile('named', dumpOf(NAMED_IDENTITY, 'public.t_new_id_seq')), 'eventdb-pg')).tables).toEqual({ t: 2 });
  });

  it("the load of such a dump says why it cannot set the sequence, not the server's 'relation … does not exist'; a named one loads", async () => {
    const load = async (frames: Buffer[]) => {
      await admin(db.url, 'drop schema public cascade; create schema public');
      const c = new pg.Client({ connectionString: db.url });
      await c.connect();
      try {
        return await loadOwnDump(c, Readable.from(frames));
      } finally {
        await c.end();
      }
    };
    const e = await load(dumpOf(OLD_IDENTITY, 'public.t_new_id_seq')).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DumpFormatError);
    expect((e as Error).message).toMatch(/^identity column public\.t\.id: a load names its sequence public\.t_id_seq/);
    expect(await load(dumpOf(NAMED_IDENTITY, 'public.t_new_id_seq'))).toEqual({ t: 2 });
    expect(await admin(db.url, "select last_value::int as v from public.t_new_id_seq")).toEqual([{ v: 2 }]);
  });

  it("computes PostgreSQL's default identity sequence name, long and multibyte names included", async () => {
    const cases: Array<[string, string]> = [
      ['t', 'id'],
      ['a_table_whose_name_is_long_enough_to_need_cutting_down_a_bit', 'identifier'],
      ['short', 'a_column_whose_name_is_long_enough_to_need_cutting_down_a_bit_x'],
      ['événements_planifiés_pour_la_semaine_prochaine_à_paris', 'numéro_de_réservation'],
    ];
    for (const [table, column] of cases) {
      const r = (await admin(
        db.url,
        `drop table if exists "${table}"; create table "${table}" ("${column}" int generated always as identity);
         select (select c.relname from pg_class c where c.oid = pg_get_serial_sequence(format('%I', '${table}'), '${column}')::regclass) as name`,
      )) as Array<{ name: string }>;
      expect(defaultSequenceName(table, column)).toBe(r[0]!.name);
    }
  });
});

describe('own dump of a table whose row-level security hides rows from the backup role', () => {
  it('fails with BACKUP_FAILED saying so (as pg_dump), instead of storing the table without those rows', async () => {
    await admin(
      db.url,
      `drop schema public cascade; create schema public;
       create table hidden (id int); insert into hidden values (1), (2);
       create policy nobody on hidden using (false);
       alter table hidden enable row level security; alter table hidden force row level security;
       do $$ begin if not exists (select from pg_roles where rolname = '${role}') then create role "${role}" login; end if; end $$;
       alter table hidden owner to "${role}"; grant usage on schema public to "${role}"`,
    );
    const u = new URL(db.url);
    u.username = role;
    u.password = '';
    const config = await resolveConfig({ flags: { url: u.toString() }, env: {}, cwd: work });
    const dir = join(work, 'store-rls');
    const e = await createBackup(config, { store: `file:${dir}`, env: { EVENTDB_PG_DUMP: 'never' } }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(EventdbError);
    expect((e as EventdbError).code).toBe('BACKUP_FAILED');
    expect((e as EventdbError).message).toMatch(/^eventdb's dump failed reading table "public"\."hidden": query would be affected by row-level security policy/);
    expect((e as EventdbError).hint).toMatch(/BYPASSRLS/);
    const files = existsSync(dir) ? readdirSync(dir, { recursive: true, withFileTypes: true }).filter((f) => f.isFile()) : [];
    expect(files).toEqual([]);
  }, 30_000);
});
