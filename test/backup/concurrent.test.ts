import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { createBackup, restoreSnapshot } from '../../src/backup/index.js';
import { resolveConfig } from '../../src/config/index.js';
import { openConnection } from '../../src/dialects/index.js';
import { describeEngines, pgAdminUrl } from '../helpers/engines.js';
import { dropPgDatabases, execSql } from './helpers.js';

/**
 * A writer in another process keeps committing transactions that insert 10 rows and add 10 to a
 * counter. A consistent snapshot has count(items) = counter.n, whatever moment it was taken at.
 */
const WRITER: Record<string, string> = {
  sqlite: `
    const Database = require('better-sqlite3');
    const db = new Database(process.argv[1]); db.pragma('busy_timeout = 5000');
    const ins = db.prepare('insert into items (name) values (?)'); const bump = db.prepare('update counter set n = n + 10');
    const tx = db.transaction(() => { for (let i = 0; i < 10; i++) ins.run('w' + i); bump.run(); });
    let n = 0; const t = setInterval(() => { tx(); if (++n === 1) process.stdout.write('go\\n'); }, 1);
    process.on('SIGTERM', () => { clearInterval(t); db.close(); process.exit(0); });`,
  postgres: `
    const pg = require('pg'); const c = new pg.Client({ connectionString: process.argv[1] });
    let stop = false; process.on('SIGTERM', () => { stop = true; });
    (async () => { await c.connect(); let n = 0;
      while (!stop) { await c.query('begin'); await c.query("insert into items (name) select 'w' || g from generate_series(1, 10) g"); await c.query('update counter set n = n + 10'); await c.query('commit');
        if (++n === 1) process.stdout.write('go\\n'); }
      await c.end(); process.exit(0); })();`,
};

describeEngines(
  'backup while another process writes',
  (fx) => {
    it('the snapshot is consistent and the writer is not blocked', async () => {
      const cfg = await fx.config();
      const serial = fx.engine === 'postgres' ? 'serial primary key' : 'integer primary key autoincrement';
      await execSql(cfg, `create table items (id ${serial}, name text not null)`);
      await execSql(cfg, 'create table counter (n integer not null)');
      await execSql(cfg, 'insert into counter values (0)');
      const arg = fx.engine === 'postgres' ? fx.url() : cfg.database.path!;
      const child = spawn(process.execPath, ['-e', WRITER[fx.engine]!, arg], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] });
      const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
      await new Promise<void>((r) => child.stdout.once('data', () => r()));
      const count = async () => {
        const conn = await openConnection(cfg);
        try {
          return Number((await sql<{ n: number }>`select count(*) as n from items`.execute(conn.db)).rows[0]!.n);
        } finally {
          await conn.close();
        }
      };
      const store = `file:${join(fx.dir(), `store-concurrent-${fx.engine}`)}`;
      const before = await count();
      const b = await createBackup(cfg, { store, env: {} });
      const after = await count();
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(after).toBeGreaterThan(before);
      // The snapshot's own row counts are internally consistent…
      expect(b.tables.items).toBeGreaterThan(0);
      // …and so is the restored copy.
      const to = fx.engine === 'postgres' ? `${fx.url()}_concurrent` : `sqlite:${join(fx.dir(), 'concurrent-restored.sqlite')}`;
      await restoreSnapshot(cfg, { id: b.id, to, store, env: {} });
      const toCfg = await resolveConfig({ flags: { url: to }, env: {} });
      const conn = await openConnection(toCfg);
      try {
        const items = Number((await sql<{ n: number }>`select count(*) as n from items`.execute(conn.db)).rows[0]!.n);
        const counter = Number((await sql<{ n: number }>`select n from counter`.execute(conn.db)).rows[0]!.n);
        expect(items).toBe(counter);
        expect(items).toBe(b.tables.items);
      } finally {
        await conn.close();
      }
      if (fx.engine === 'postgres') await dropPgDatabases(pgAdminUrl(), [toCfg.database.name]);
    });
  },
  ['sqlite', 'postgres'],
);
