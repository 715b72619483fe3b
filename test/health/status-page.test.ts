import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/index.js';
import { startHealthServer } from '../../src/health/index.js';
import { openDatabase } from '../../src/index.js';

const CHROMIUM = '/usr/bin/chromium';

describe('status page in a real browser (Debian chromium, headless)', () => {
  let browser: Browser;
  let dir = '';
  beforeAll(async () => {
    expect(existsSync(CHROMIUM), 'install Debian chromium (.ci/run does it)').toBe(true);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    dir = mkdtempSync(join(tmpdir(), 'eventdb-page-'));
  });
  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows every check with status, duration and message, makes no external request, and redraws every TTL', async () => {
    const url = `sqlite:${join(dir, 'page.sqlite')}`;
    const conn = await openDatabase({ flags: { url }, env: {}, cwd: dir });
    await conn.close();
    const config = await resolveConfig({ flags: { url }, env: {}, cwd: dir });
    const server = await startHealthServer(config, { port: 0, ttlMs: 800, checks: ['connection', 'lock', 'database', 'storage'] });
    const context = await browser.newContext({ offline: false });
    const page = await context.newPage();
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    try {
      const res = await page.goto(`${server.url}/`);
      expect(res!.status()).toBe(200);
      expect(res!.headers()['content-type']).toMatch(/text\/html/);
      const rows = page.locator('tr[data-check]');
      await expect.poll(() => rows.count()).toBe(4);
      expect(await page.locator('tr[data-check="connection"]').getAttribute('data-status')).toBe('ok');
      expect(await page.locator('tr[data-check="connection"] td.message').innerText()).toMatch(/^SQLite 3\.\d+.*round trip/);
      expect(await page.locator('tr[data-check="connection"] td.num').innerText()).toMatch(/^\d+ ms$/);
      expect(await page.locator('tr[data-check="storage"]').getAttribute('data-status')).toBe('warn');
      expect(await page.locator('#overall').getAttribute('data-status')).toBe('warn');
      expect(await page.locator('#fig-backup-age b').innerText()).toBeTruthy();
      expect(await page.locator('#fig-pending-migrations b').innerText()).toBeTruthy();
      const first = await page.locator('#updated').innerText();

      // The backup folder appears: the page picks it up on its own within a TTL or two.
      (await import('node:fs')).mkdirSync(join(dir, 'backups'));
      await expect.poll(() => page.locator('tr[data-check="storage"]').getAttribute('data-status'), { timeout: 5000 }).toBe('ok');
      await expect.poll(() => page.locator('#overall').getAttribute('data-status')).toBe('ok');
      expect(await page.locator('#updated').innerText()).not.toBe(first);
      expect(await page.title()).toBe('eventdb health: ok');
      // self-contained: every request went to the health server
      expect(requests.length).toBeGreaterThan(1);
      for (const r of requests) expect(r.startsWith(server.url)).toBe(true);
    } finally {
      await context.close();
      await server.close();
    }
  });
});
