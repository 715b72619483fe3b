import { sql } from 'kysely';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createBackup } from '../../src/backup/index.js';
import { runHealthChecks } from '../../src/health/index.js';
import { openDatabase } from '../../src/index.js';
import { migrateUp } from '../../src/migrations/up.js';
import { ROOT } from '../helpers/cli.js';
import { describeEngines } from '../helpers/engines.js';
import { freePort } from '../helpers/embedded-pg.js';
import { startS3, type S3Fixture } from '../helpers/s3.js';
import { TABLE_DDL } from './helpers.js';

let s3: S3Fixture;
const saved = { AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY };
beforeAll(async () => {
  s3 = await startS3('health-snaps');
  process.env.AWS_ACCESS_KEY_ID = s3.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = s3.secretAccessKey;
});
afterAll(async () => {
  await s3?.close();
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

const check = (r: { checks: any[] }, name: string) => r.checks.find((c) => c.name === name);

describeEngines('backup, storage and schema checks', (fx) => {
  const store = () => `s3://${s3.bucket}/${fx.engine}-${Math.random().toString(36).slice(2, 8)}?endpoint=${encodeURIComponent(s3.endpoint)}&pathStyle=true&region=us-east-1`;

  it('backup: missing snapshot warns (fails in production); a fresh one is ok; a stale one fails; storage answers', async () => {
    const conn = await openDatabase(await fx.config());
    await sql.raw(TABLE_DDL[fx.engine]!).execute(conn.db);
    await conn.close();
    const config = { ...(await fx.config()), store: store() };
    const none = await runHealthChecks(config, { checks: ['backup', 'storage'] });
    expect(check(none, 'backup')).toMatchObject({ status: 'warn' });
    expect(check(none, 'backup').message).toMatch(/^no snapshot in s3:\/\/health-snaps\//);
    expect(check(none, 'storage').status).toBe('ok');
    expect(check(none, 'storage').message).toMatch(/answers/);
    const prod = await runHealthChecks({ ...config, environment: 'production' }, { checks: ['backup'] });
    expect(check(prod, 'backup').status).toBe('fail');

    await createBackup(config);
    const fresh = await runHealthChecks(config, { checks: ['backup'] });
    expect(check(fresh, 'backup').status).toBe('ok');
    expect(check(fresh, 'backup').message).toMatch(/^newest snapshot \S+ is \d+ ms old|^newest snapshot \S+ is [\d.]+ s old/);
    expect(check(fresh, 'backup').details.count).toBe(1);
    await new Promise((r) => setTimeout(r, 30));
    const stale = await runHealthChecks(config, { checks: ['backup'], maxBackupAgeMs: 10 });
    expect(check(stale, 'backup').status).toBe('fail');
    expect(check(stale, 'backup').message).toMatch(/old \(over 10 ms\)/);
    expect(stale.exitCode).toBe(1);
  });

  it('storage: a store that does not answer fails; the database checks still pass', async () => {
    const conn = await openDatabase(await fx.config());
    await conn.close();
    const port = await freePort();
    const config = { ...(await fx.config()), store: `s3://nobucket/x?endpoint=${encodeURIComponent(`http://127.0.0.1:${port}`)}&pathStyle=true&region=us-east-1` };
    const r = await runHealthChecks(config, { checks: ['connection', 'storage'], timeoutMs: 5000 });
    expect(check(r, 'storage').status).toBe('fail');
    expect(check(r, 'storage').message).toMatch(/does not answer/);
    expect(check(r, 'connection').status).toBe('ok');
    expect(r.exitCode).toBe(1);
  });

  it('schema: required tables missing fail; after the platform migrations they are all present', async () => {
    const config = await fx.config({ EVENTDB_SCHEMA_DIR: join(ROOT, 'schema'), EVENTDB_MIGRATIONS_DIR: join(ROOT, 'migrations') });
    const conn = await openDatabase(config);
    try {
      await sql.raw(TABLE_DDL[fx.engine]!.replace('venues', 'unrelated')).execute(conn.db);
      const before = await runHealthChecks(config, { checks: ['schema'], connection: conn });
      expect(check(before, 'schema').status).toBe('fail');
      expect(check(before, 'schema').message).toMatch(/required tables? missing: .*users/);
      await migrateUp(conn, config, {});
      const after = await runHealthChecks(config, { checks: ['schema'], connection: conn });
      expect(['ok', 'warn']).toContain(check(after, 'schema').status);
      expect(check(after, 'schema').details.missingRequired).toEqual([]);
      expect(check(after, 'schema').details.required).toBeGreaterThan(3);
    } finally {
      await conn.close();
    }
  });
}, ['postgres', 'sqlite', 'duckdb']);
