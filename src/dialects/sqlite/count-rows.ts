import type Database from 'better-sqlite3';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * Rows per table. A virtual table whose module this SQLite lacks (zipfile, vec0, spatialite …)
 * cannot be read: it is left out and named in `skipped` (the page copy holds it all the same).
 * Self-contained (no imports, no closure): its source also runs in a worker thread (countRowsInWorker).
 */
export function countRows(db: Database.Database, skipped: string[] = []): Record<string, number> {
  const names = db.prepare("select name, sql from sqlite_schema where type = 'table' and name not like 'sqlite_%' order by name").all() as Array<{ name: string; sql: string | null }>;
  const tables: Record<string, number> = Object.create(null); // a table may be named __proto__ (no import here: see above)
  for (const { name, sql } of names) {
    try {
      const r = db.prepare(`select count(*) as n from "${name.replace(/"/g, '""')}"`).get() as { n: number };
      tables[name] = r.n;
    } catch (e) {
      if (!/^\s*create\s+virtual\s+table/i.test(sql ?? '')) throw e;
      skipped.push(`virtual table ${name} copied but not counted: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return tables;
}

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const countRows = (${countRows.toString()});
let db;
try {
  db = new Database(workerData.path, { readonly: true, fileMustExist: true });
  const skipped = [];
  const tables = countRows(db, skipped);
  parentPort.postMessage({ tables, skipped });
} catch (e) {
  parentPort.postMessage({ error: e && e.message ? e.message : String(e), code: e && e.code });
} finally {
  if (db) db.close();
}
`;

/**
 * countRows of a database file in a worker thread, so the main thread can stream (and the thread pool
 * compress) the same file meanwhile: the counting's full read of every table then overlaps the
 * compression instead of preceding it.
 */
export function countRowsInWorker(path: string): Promise<{ tables: Record<string, number>; skipped: string[] }> {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER, { eval: true, workerData: { path, driver } });
    let settled = false;
    worker.once('message', (m: { tables?: Record<string, number>; skipped?: string[]; error?: string; code?: string }) => {
      settled = true;
      if (m.error !== undefined) reject(Object.assign(new Error(m.error), { code: m.code }));
      else resolve({ tables: m.tables!, skipped: m.skipped ?? [] });
    });
    worker.once('error', (e) => {
      settled = true;
      reject(e);
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`the row-counting worker exited with ${code}`));
    });
  });
}
