import { describe, expect, it } from 'vitest';
import { parseDatabaseUrl } from '../../src/config/url.js';
import { redact, redactUrl, registerSecret } from '../../src/config/redact.js';
import { EventdbError } from '../../src/errors.js';

function err(fn: () => unknown): EventdbError {
  try {
    fn();
  } catch (e) {
    if (e instanceof EventdbError) return e;
    throw e;
  }
  throw new Error('expected an EventdbError');
}

describe('parseDatabaseUrl', () => {
  it('parses postgres and postgresql URLs with sslmode, port and credentials', () => {
    const t = parseDatabaseUrl('postgresql://app:s%40cret@db.example.com:6543/events?sslmode=require&application_name=x');
    expect(t.engine).toBe('postgres');
    expect(t.postgres).toMatchObject({ host: 'db.example.com', port: 6543, user: 'app', password: 's@cret', database: 'events', sslmode: 'require' });
    expect(t.postgres?.params).toEqual({ application_name: 'x' });
    expect(t.display).toBe('postgresql://app:***@db.example.com:6543/events?sslmode=require&application_name=x');
    expect(parseDatabaseUrl('postgres://localhost/x').postgres?.port).toBe(5432);
  });

  it('parses sqlite:, duckdb:, pglite: and :memory: forms', () => {
    expect(parseDatabaseUrl('sqlite:./data/app.db', { cwd: '/srv' })).toMatchObject({ engine: 'sqlite', path: '/srv/data/app.db', memory: false, name: 'app' });
    expect(parseDatabaseUrl('sqlite::memory:')).toMatchObject({ engine: 'sqlite', memory: true });
    expect(parseDatabaseUrl('sqlite:///var/lib/x.sqlite')).toMatchObject({ path: '/var/lib/x.sqlite' });
    expect(parseDatabaseUrl('duckdb:./a.duckdb', { cwd: '/w' })).toMatchObject({ engine: 'duckdb', path: '/w/a.duckdb' });
    expect(parseDatabaseUrl('duckdb::memory:')).toMatchObject({ engine: 'duckdb', memory: true });
    expect(parseDatabaseUrl('pglite:./data/pg', { cwd: '/w' })).toMatchObject({ engine: 'postgres', driver: 'pglite', path: '/w/data/pg' });
  });

  it('tells the engine of a bare path from its suffix', () => {
    for (const [p, e] of [['./x.sqlite', 'sqlite'], ['x.sqlite3', 'sqlite'], ['/a/b.db', 'sqlite'], ['x.duckdb', 'duckdb']] as const) {
      expect(parseDatabaseUrl(p).engine).toBe(e);
    }
  });

  it('honours DATABASE_PROVIDER as apps that switch engines do', () => {
    expect(parseDatabaseUrl('./data/app', { provider: 'sqlite', cwd: '/w' })).toMatchObject({ engine: 'sqlite', path: '/w/data/app' });
    expect(parseDatabaseUrl('postgres://h/db', { provider: 'supabase' }).postgres?.sslmode).toBe('require');
    expect(parseDatabaseUrl('postgres://h/db?sslmode=disable', { provider: 'supabase' }).postgres?.sslmode).toBe('disable');
    const e = err(() => parseDatabaseUrl('sqlite:./x.db', { provider: 'postgres' }));
    expect(e.code).toBe('CONFIG');
    expect(e.message).toContain('DATABASE_PROVIDER=postgres does not match');
    expect(err(() => parseDatabaseUrl('x', { provider: 'oracle' })).message).toContain('unknown DATABASE_PROVIDER "oracle"');
  });

  it('rejects malformed URLs saying which part is wrong', () => {
    const port = err(() => parseDatabaseUrl('postgres://u:pw@host:99999/db'));
    expect(port.code).toBe('BAD_URL');
    expect(port.exitCode).toBe(2);
    expect(port.message).toMatch(/invalid port|malformed/);
    expect(port.message).not.toContain('pw@');
    const db = err(() => parseDatabaseUrl('postgres://host/a/b'));
    expect(db.message).toContain('invalid database name "a/b"');
    const ssl = err(() => parseDatabaseUrl('postgres://host/a?sslmode=bogus'));
    expect(ssl.message).toContain('unknown sslmode "bogus"');
    const scheme = err(() => parseDatabaseUrl('mysql://root@h/x'));
    expect(scheme.code).toBe('UNKNOWN_ENGINE');
    const suffix = err(() => parseDatabaseUrl('./data.bin'));
    expect(suffix.code).toBe('UNKNOWN_ENGINE');
    expect(suffix.message).toContain('unknown suffix ".bin"');
    expect(suffix.hint).toContain('DATABASE_PROVIDER');
  });
});

describe('redaction', () => {
  it('hides passwords in user info and query, and registered secrets', () => {
    expect(redactUrl('postgres://u:hunter2@h/db')).toBe('postgres://u:***@h/db');
    expect(redactUrl('postgres://h/db?user=u&password=hunter2&x=1')).toBe('postgres://h/db?user=u&password=***&x=1');
    registerSecret('topsecretvalue');
    expect(redact('failed: topsecretvalue and postgres://a:b4d@h/x')).toBe('failed: *** and postgres://a:***@h/x');
  });
});
