import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import type { ResolvedConfig } from '../../src/config/index.js';
import { openConnection } from '../../src/dialects/index.js';

/** Creates `items` with `n` rows through the engine's own connection. */
export async function seedItems(config: ResolvedConfig, n: number, from = 1): Promise<void> {
  const conn = await openConnection(config);
  try {
    await sql`create table if not exists items (id integer primary key, name varchar(100) not null, amount double precision)`.execute(conn.db);
    for (let i = from; i < from + n; i += 200) {
      const rows = [];
      for (let j = i; j < Math.min(from + n, i + 200); j++) rows.push({ id: j, name: `item ${j} 'q' "dq" \\ tab\t`, amount: j * 1.5 });
      await conn.db.insertInto('items').values(rows).execute();
    }
  } finally {
    await conn.close();
  }
}

/** Row count, id sum and a hash of every row: changes when any data changes. */
export async function fingerprint(config: ResolvedConfig): Promise<{ rows: number; hash: string }> {
  const conn = await openConnection(config);
  try {
    const r = await sql<{ id: number; name: string; amount: number }>`select id, name, amount from items order by id`.execute(conn.db);
    const h = createHash('sha256');
    for (const row of r.rows) h.update(`${row.id}|${row.name}|${Number(row.amount)}\n`);
    return { rows: r.rows.length, hash: h.digest('hex') };
  } finally {
    await conn.close();
  }
}

export async function execSql(config: ResolvedConfig, text: string): Promise<void> {
  const conn = await openConnection(config);
  try {
    await sql.raw(text).execute(conn.db);
  } finally {
    await conn.close();
  }
}

/** A file's bytes hashed, with its WAL siblings: "unchanged byte for byte". */
export function fileState(path: string): string {
  const h = createHash('sha256');
  for (const s of ['', '-wal', '.wal']) if (existsSync(path + s)) h.update(readFileSync(path + s));
  return h.digest('hex');
}

export function preRestoreFiles(path: string): string[] {
  const dir = join(path, '..');
  const base = path.split('/').pop()!;
  return readdirSync(dir).filter((f) => f.startsWith(`${base}.pre-restore-`));
}

/** PostgreSQL databases whose names start with `prefix` (restore leftovers). */
export async function pgDatabases(adminUrl: string, prefix: string): Promise<string[]> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    const r = await c.query<{ d: string }>("select datname as d from pg_database where datname like $1 || '%' order by 1", [prefix]);
    return r.rows.map((x) => x.d);
  } finally {
    await c.end();
  }
}

export async function dropPgDatabases(adminUrl: string, names: string[]): Promise<void> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    for (const n of names) await c.query(`drop database if exists "${n}" with (force)`);
  } finally {
    await c.end();
  }
}

/** The one data object of a snapshot in a file store. */
export function dataObject(storeDir: string): string {
  const walk = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)]));
  const files = walk(storeDir).filter((f) => /\/data\.[^/]+$/.test(f));
  if (files.length !== 1) throw new Error(`expected one data object in ${storeDir}, found ${files.length}`);
  return files[0]!;
}

/** Everything a stream yields, as one buffer. */
export async function collect(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const c of stream as AsyncIterable<Buffer>) out.push(c);
  return Buffer.concat(out);
}

/** Compressible, position-dependent rows with a random column: any reordering of blocks changes it. */
export function sample(bytes: number): Buffer {
  const lines: string[] = [];
  let n = 0;
  for (let i = 0; n < bytes; i++) {
    const l = `${i},user${(i * 7919) % 1000003}@example.com,${randomBytes(6).toString('hex')}\n`;
    lines.push(l);
    n += l.length;
  }
  return Buffer.from(lines.join('')).subarray(0, bytes);
}
