import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/index.js';
import { openDatabase } from '../../src/index.js';
import { createPgDatabase } from '../helpers/engines.js';

/*
 * The postgres dialect reads values alike on a server (node-postgres) and on PGlite. node-postgres parses
 * numeric[] into floats (`{0.1000000000000000055}` came back as 0.1: digits lost, while a numeric alone is
 * its text) and int8[] into strings (while an int8 alone is a number when exact); PGlite already read them
 * as eventdb wants: numeric as text, int8 as a number when exact.
 */
const ROWS = `
  create table v (id int primary key, i8 int8[], n numeric[], i8s int8, ns numeric, pt point, pts point[], c circle, iv interval, ivs interval[]);
  insert into v values
    (1, '{1,9007199254740993,-5}', '{0.1000000000000000055,1e-30,NaN}', 9007199254740993, 0.1000000000000000055, '(1.5,-2)', '{"(0,0)","(3,4)"}', '<(1,2),3>', '1 year 2 mons 3 days 04:05:06.5', '{"1 day","-00:00:01"}'),
    (2, '{{1,null},{2,3}}', '{{1.5,null},{2,-0.25}}', 42, null, null, null, null, null, null),
    (3, null, '{}', null, 12345678901234567890.123456789, null, '{}', null, '0', '{}');`;

let pgDb: Awaited<ReturnType<typeof createPgDatabase>>;
const dir = mkdtempSync(join(tmpdir(), 'eventdb-pg-values-'));
beforeAll(async () => {
  pgDb = await createPgDatabase('eventdb_values');
});
afterAll(async () => {
  await pgDb?.drop();
  rmSync(dir, { recursive: true, force: true });
});

async function read(url: string) {
  const conn = await openDatabase(await resolveConfig({ flags: { url }, env: {}, cwd: dir }));
  try {
    await sql.raw(ROWS).execute(conn.db);
    return await conn.db.selectFrom('v').selectAll().orderBy('id').execute();
  } finally {
    await conn.close();
  }
}

describe('postgres values: arrays read as their scalars are; a server and PGlite alike', () => {
  it('a server and PGlite return the same values, numeric digits intact, int8 a number when exact', async () => {
    const server = await read(pgDb.url);
    expect(server.map(({ id, i8, n, i8s, ns }) => ({ id, i8, n, i8s, ns }))).toEqual([
      { id: 1, i8: [1, '9007199254740993', -5], n: ['0.1000000000000000055', '0.000000000000000000000000000001', 'NaN'], i8s: '9007199254740993', ns: '0.1000000000000000055' },
      { id: 2, i8: [[1, null], [2, 3]], n: [['1.5', null], ['2', '-0.25']], i8s: 42, ns: null },
      { id: 3, i8: null, n: [], i8s: null, ns: '12345678901234567890.123456789' },
    ]);
    // Geometry and intervals as node-postgres parses them, on both.
    expect(server[0]).toMatchObject({ pt: { x: 1.5, y: -2 }, pts: [{ x: 0, y: 0 }, { x: 3, y: 4 }], c: { x: 1, y: 2, radius: 3 }, iv: { years: 1, months: 2, days: 3, hours: 4, minutes: 5, seconds: 6, milliseconds: 500 } });
    expect(server[0]!.ivs.map((i: { toPostgres(): string }) => i.toPostgres())).toEqual(['1 days', '-1 seconds']);
    const lite = await read(`pglite:${join(dir, 'lite')}`);
    expect(JSON.parse(JSON.stringify(lite))).toEqual(JSON.parse(JSON.stringify(server)));
    expect(lite.map((r) => Object.getPrototypeOf(r.iv ?? {})?.constructor?.name)).toEqual(server.map((r) => Object.getPrototypeOf(r.iv ?? {})?.constructor?.name));
  });
});
