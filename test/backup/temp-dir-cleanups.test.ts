import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackup } from '../../src/backup/backup.js';
import { restoreSnapshot } from '../../src/backup/restore.js';
import { runBackupSchedule } from '../../src/backup/schedule.js';
import { verifySnapshot } from '../../src/backup/verify.js';
import { resolveConfig, type ResolvedConfig } from '../../src/config/index.js';
import { interruptCleanupCount } from '../../src/interrupt-cleanup.js';
import { seedItems } from './helpers.js';

/**
 * Each backup, verify and restore registered an interrupt cleanup for its scratch folder
 * (src/backup/temp-dirs.ts) and never unregistered it when the folder was removed normally: a
 * `backup --every 1h` process gained one closure per backup for as long as it ran. After any number of
 * runs the registered cleanups are back to the count before them.
 */
describe('interrupt cleanups of scratch folders', () => {
  let dir: string;
  let cfg: ResolvedConfig;
  let env: NodeJS.ProcessEnv;
  let store: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'eventdb-temp-cleanups-'));
    mkdirSync(join(dir, 'tmp'));
    cfg = await resolveConfig({ flags: { url: `sqlite:${join(dir, 'app.sqlite')}` }, env: {} });
    store = `file://${join(dir, 'store')}`;
    env = { EVENTDB_TMPDIR: join(dir, 'tmp') };
    await seedItems(cfg, 10);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a schedule of N backups (backup --every) leaves the count where it was', async () => {
    const baseline = interruptCleanupCount();
    const stop = new AbortController();
    const N = 5;
    let taken = 0;
    const r = await runBackupSchedule({
      take: () => createBackup(cfg, { store, env }),
      intervalMs: 1,
      finalTimeoutMs: 60_000,
      stop: stop.signal,
      onEvent: (e) => {
        if (e.type === 'backup' && e.ok && ++taken === N) stop.abort('SIGTERM');
        if (e.type === 'backup') expect(interruptCleanupCount(), `after backup ${taken}`).toBe(baseline);
      },
    });
    expect(r).toMatchObject({ ok: true, backups: N, failures: 0 });
    expect(interruptCleanupCount()).toBe(baseline);
    expect(readdirSync(join(dir, 'tmp'))).toEqual([]);
  }, 120_000);

  it('verify and restore (and a failed verify) leave it where it was too', async () => {
    const baseline = interruptCleanupCount();
    for (let i = 0; i < 3; i++) {
      await verifySnapshot(cfg, { latest: true, store, env });
      await restoreSnapshot(cfg, { latest: true, store, env, to: `sqlite:${join(dir, `copy-${i}.sqlite`)}` });
      await expect(verifySnapshot(cfg, { id: '20200101T000000Z-000000', store, env })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    }
    expect(interruptCleanupCount()).toBe(baseline);
    expect(readdirSync(join(dir, 'tmp'))).toEqual([]);
  }, 120_000);
});
