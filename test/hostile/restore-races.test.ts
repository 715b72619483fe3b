import { existsSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { expect, it } from 'vitest';
import { LOCK_NAMESPACE, lockKey } from '../../src/dialects/postgres/lock.js';
import { runCli } from '../helpers/cli.js';
import { describeEngines, pgAdminUrl } from '../helpers/engines.js';
import { dropPgDatabases, fingerprint, pgDatabases, seedItems } from '../backup/helpers.js';
import { expectCleanError, expectJsonError, readManifest, writeManifest } from './helpers.js';

/**
 * Two restores of one target at once must not lose data: they run one after the other (the second
 * waits for the first, or gives up with exit 4), and each keeps the data it replaced under its own
 * name. A snapshot whose manifest names another database is refused (exit 5) unless --to / --force.
 */
describeEngines('hostile restores', (fx) => {
  const dbName = (url: string) => (fx.variant === 'postgres' ? new URL(url).pathname.slice(1) : undefined);

  it('two restores of the same target at once both succeed, one after the other, keeping two distinct copies', async () => {
    const cfg = await fx.config();
    await seedItems(cfg, 40);
    const b = await runCli(['backup', '--json', '--url', fx.url()], { cwd: fx.dir() });
    expect(b.code, b.stderr).toBe(0);
    // PGlite restores take seconds each: let the second wait longer than the default 30 s.
    const args = ['restore', '--latest', '--yes', '--json', '--url', fx.url(), ...(fx.variant === 'pglite' ? ['--lock-timeout', '120'] : [])];
    const [r1, r2] = await Promise.all([runCli(args, { cwd: fx.dir(), timeoutMs: 180_000 }), runCli(args, { cwd: fx.dir(), timeoutMs: 180_000 })]);
    expect(r1.code, r1.stderr).toBe(0);
    expect(r2.code, r2.stderr).toBe(0);
    const kept = [r1.json().restore.previous, r2.json().restore.previous];
    expect(kept[0]).toBeTruthy();
    expect(kept[1]).toBeTruthy();
    expect(kept[0]).not.toBe(kept[1]);
    expect((await fingerprint(cfg)).rows).toBe(40);
    if (fx.variant === 'postgres') {
      const name = dbName(fx.url())!;
      const dbs = await pgDatabases(pgAdminUrl(), `${name.slice(0, 30)}_`);
      expect(dbs.filter((d) => d.includes('_restore_') && !d.includes('_pre_restore_'))).toEqual([]);
      expect(dbs.filter((d) => d.includes('_pre_restore_')).sort()).toEqual([...kept].sort());
      await dropPgDatabases(pgAdminUrl(), kept);
    } else {
      for (const k of kept) expect(existsSync(k)).toBe(true);
    }
  }, 240_000);

  it('a restore that cannot get the target\'s restore lock exits 4 with LOCK_TIMEOUT and changes nothing', async () => {
    const cfg = await fx.config();
    await seedItems(cfg, 10);
    const b = await runCli(['backup', '--json', '--url', fx.url()], { cwd: fx.dir() });
    expect(b.code, b.stderr).toBe(0);
    await seedItems(cfg, 5, 100);
    const before = await fingerprint(cfg);
    let release: () => Promise<void>;
    if (fx.variant === 'postgres') {
      const c = new pg.Client({ connectionString: pgAdminUrl() });
      await c.connect();
      await c.query('select pg_advisory_lock($1, $2)', [LOCK_NAMESPACE, lockKey(`restore ${dbName(fx.url())!.slice(0, 30)}`)]);
      release = () => c.end();
    } else {
      const { withFileLock, lockFilePath } = await import('../../src/dialects/file-lock.js');
      let done!: () => void;
      const held = new Promise<void>((r) => (done = r));
      let acquired!: () => void;
      const ready = new Promise<void>((r) => (acquired = r));
      const holder = withFileLock(lockFilePath(cfg.database.path!, 'restore'), 'test', { timeoutMs: 1000 }, async () => {
        acquired();
        await held;
      });
      await ready;
      release = async () => {
        done();
        await holder;
      };
    }
    try {
      const r = await runCli(['restore', '--latest', '--yes', '--url', fx.url(), '--lock-timeout', '0.5'], { cwd: fx.dir() });
      expectCleanError(r, 4, /^error: the restore lock on .* is held by .*; gave up after 0\.5 s$/);
      const j = await runCli(['restore', '--latest', '--yes', '--json', '--url', fx.url(), '--lock-timeout', '0.5'], { cwd: fx.dir() });
      expectJsonError(j, 4, 'LOCK_TIMEOUT', /restore lock/);
    } finally {
      await release!();
    }
    expect(await fingerprint(cfg)).toEqual(before);
  });

  it('a snapshot whose manifest names another database is refused (exit 5) unless --force; nothing changes', async () => {
    const cfg = await fx.config();
    await seedItems(cfg, 8);
    const b = await runCli(['backup', '--json', '--url', fx.url()], { cwd: fx.dir() });
    expect(b.code, b.stderr).toBe(0);
    const snap = join(fx.dir(), 'backups', b.json().backup.location);
    const m = readManifest(snap);
    m.database.name = 'other';
    writeManifest(snap, m);
    await seedItems(cfg, 3, 100);
    const before = await fingerprint(cfg);
    const r = await runCli(['restore', '--latest', '--yes', '--url', fx.url()], { cwd: fx.dir() });
    expectCleanError(r, 5, /^error: snapshot \S+ is of "other" \(environment "development"\), not of ".*" \(environment "development"\)$/);
    const j = await runCli(['restore', '--latest', '--yes', '--json', '--url', fx.url()], { cwd: fx.dir() });
    expectJsonError(j, 5, 'SNAPSHOT_MISMATCH', /is of "other"/);
    expect(await fingerprint(cfg)).toEqual(before);
    const f = await runCli(['restore', '--latest', '--yes', '--json', '--force', '--url', fx.url()], { cwd: fx.dir() });
    expect(f.code, f.stderr).toBe(0);
    expect(f.json().restore.notes.join('\n')).toMatch(/is of "other".*--force was given/);
    expect((await fingerprint(cfg)).rows).toBe(8);
    if (fx.variant === 'postgres' && f.json().restore.previous) await dropPgDatabases(pgAdminUrl(), [f.json().restore.previous]);
  });
});

