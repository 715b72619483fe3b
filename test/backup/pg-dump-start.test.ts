import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createBackup } from '../../src/backup/index.js';
import { resolveConfig, type ResolvedConfig } from '../../src/config/index.js';
import { archiveDumpVersion } from '../../src/dialects/postgres/pg-dump.js';
import { EventdbError } from '../../src/errors.js';
import { createPgDatabase } from '../helpers/engines.js';
import { fingerprint, seedItems } from './helpers.js';

// #18 fixed cost: no `pg_dump --version` runs before the dump. pg_dump starts at once; the version in
// the manifest is the one its archive header states, and a pg_dump that is absent or refuses the
// server (older than it) still leads to eventdb's own dump, with the same notes as before.

let dir: string;
let db: Awaited<ReturnType<typeof createPgDatabase>>;
let cfg: ResolvedConfig;
const path = process.env.PATH;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'eventdb-pgdump-start-'));
  db = await createPgDatabase('eventdb_dumpstart');
  cfg = await resolveConfig({ flags: { url: db.url }, env: {} });
  await seedItems(cfg, 50);
});
afterEach(() => {
  process.env.PATH = path;
});
afterAll(async () => {
  process.env.PATH = path;
  await db.drop();
  rmSync(dir, { recursive: true, force: true });
});

/** A folder holding only a `pg_dump` shell script with `body`, put first on PATH (or alone, `only`). */
function fakePgDump(name: string, body: string, only = false): void {
  const bin = join(dir, name);
  mkdirSync(bin);
  writeFileSync(join(bin, 'pg_dump'), `#!/bin/sh\n${body}\n`);
  chmodSync(join(bin, 'pg_dump'), 0o755);
  process.env.PATH = only ? bin : `${bin}:${path}`;
}

function snapshotFiles(storeDir: string): string[] {
  return existsSync(storeDir) ? readdirSync(storeDir, { recursive: true }).map(String).filter((f) => /manifest|data/.test(f)) : [];
}

describe('the version in the archive header', () => {
  it("reads pg_dump's own version from a real archive, as `pg_dump --version` prints it, and nothing from a prefix of it", () => {
    const file = join(dir, 'real.pgdump');
    execFileSync('pg_dump', ['-Fc', '-f', file, db.url]);
    const head = readFileSync(file);
    const v = archiveDumpVersion(head);
    expect(v?.text).toBe(execFileSync('pg_dump', ['--version'], { encoding: 'utf8' }).trim());
    expect(v?.major).toBeGreaterThanOrEqual(12);
    // The header is read as bytes arrive: every cut before its end is "not yet", never a wrong answer.
    const version = Buffer.from(v!.text.replace('pg_dump (PostgreSQL) ', ''));
    const end = head.subarray(0, 400).lastIndexOf(version) + version.length; // pg_dump's version is the header's last string
    for (let n = 0; n < end; n++) expect(archiveDumpVersion(head.subarray(0, n))).toBeUndefined();
    expect(archiveDumpVersion(head.subarray(0, end))).toEqual(v);
  });

  it('refuses bytes that are not a custom-format archive', () => {
    expect(() => archiveDumpVersion(Buffer.from('-- PostgreSQL database dump\n'))).toThrow(/no custom-format archive header/);
  });
});

describe('createBackup without a pg_dump --version', () => {
  it('records the version the archive states and the same tool text as before', async () => {
    const storeDir = join(dir, 'store-ok');
    const r = await createBackup(cfg, { store: `file:${storeDir}`, env: {} });
    expect(r.tool).toBe(execFileSync('pg_dump', ['--version'], { encoding: 'utf8' }).trim());
    expect(r.tables).toEqual({ items: 50 });
    expect(r.notes).toEqual([]);
    const manifest = JSON.parse(readFileSync(join(storeDir, r.location, 'manifest.json'), 'utf8')) as { dataFormat: string; tool: string };
    expect(manifest.dataFormat).toBe('pg-custom');
    expect(manifest.tool).toBe(r.tool);
  });

  it('pg_dump not on PATH: eventdb\'s own dump, with the note saying why', async () => {
    const empty = join(dir, 'empty-path');
    mkdirSync(empty);
    process.env.PATH = empty;
    const r = await createBackup(cfg, { store: `file:${join(dir, 'store-missing')}`, env: {} });
    expect(r.notes).toEqual(["eventdb's own dump was used: pg_dump is not on PATH"]);
    expect(r.tool).toMatch(/^eventdb logical dump/);
    expect(r.tables).toEqual({ items: 50 });
  });

  it('a pg_dump older than the server refuses it: eventdb\'s own dump, naming both versions', async () => {
    // What pg_dump 15+ prints when the server is newer (older ones print the detail line first).
    fakePgDump('old', 'echo "pg_dump: error: aborting because of server version mismatch" >&2\necho "pg_dump: detail: server version: 99.1 (Fake); pg_dump version: 11.22" >&2\nexit 1');
    const r = await createBackup(cfg, { store: `file:${join(dir, 'store-old')}`, env: {} });
    expect(r.notes).toEqual(["eventdb's own dump was used: pg_dump 11 is older than the server (99) and cannot dump it (install the PostgreSQL client tools of the server's version to use pg_dump)"]);
    expect(r.tool).toMatch(/^eventdb logical dump/);
    expect(r.tables).toEqual({ items: 50 });
  });

  it('a pg_dump that writes no archive fails the backup with BACKUP_FAILED, writes nothing and changes nothing', async () => {
    const before = await fingerprint(cfg);
    fakePgDump('garbage', 'echo "this is not an archive"\nexit 0');
    const storeDir = join(dir, 'store-garbage');
    const err = await createBackup(cfg, { store: `file:${storeDir}`, env: {} }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(EventdbError);
    expect((err as EventdbError).code).toBe('BACKUP_FAILED');
    expect((err as EventdbError).message).toMatch(/pg_dump's output cannot be read: pg_dump wrote no custom-format archive header/);
    expect((err as EventdbError).hint).toMatch(/EVENTDB_PG_DUMP=never/);
    expect(snapshotFiles(storeDir)).toEqual([]);
    expect(await fingerprint(cfg)).toEqual(before);
  });
});

// #18: the store's module (for s3/r2 the AWS SDK) loads while pg_dump starts, not before it. A malformed
// store URL is still refused before anything opens; a store that cannot open once the dump runs is the
// error reported, and the dump is stopped.
describe('the store opens while the dump starts', () => {
  const failure = (p: Promise<unknown>) =>
    p.then(
      () => expect.fail('the backup should have failed'),
      (e: unknown) => {
        expect(e).toBeInstanceOf(EventdbError);
        return e as EventdbError;
      },
    );

  it('refuses a malformed store URL before pg_dump starts or a session opens', async () => {
    const marker = join(dir, 'pg_dump-ran');
    fakePgDump('marking', `touch '${marker}'\nexit 1`);
    const before = await fingerprint(cfg);
    const e = await failure(createBackup(cfg, { store: 's3://', env: {} }));
    expect(e.code).toBe('BAD_URL');
    expect(e.message).toBe('store URL s3:// has no bucket');
    expect(existsSync(marker)).toBe(false);
    expect(await fingerprint(cfg)).toEqual(before);
  });

  it('reports a store that cannot open (r2:// without its keys) once the dump runs, and stops pg_dump', async () => {
    // A pg_dump that writes a real archive header, then bytes without end: once its pipe is full it
    // blocks in write, as a real one does on a big database nobody reads.
    const real = join(dir, 'header-source.pgdump');
    execFileSync('pg_dump', ['-Fc', '-f', real, db.url]);
    const head = join(dir, 'header.bin');
    writeFileSync(head, readFileSync(real).subarray(0, 4096));
    const pidFile = join(dir, 'endless-pg_dump.pid');
    fakePgDump('endless', `echo $$ > '${pidFile}'\ncat '${head}'\nexec cat /dev/zero`);
    const before = await fingerprint(cfg);
    const e = await failure(createBackup(cfg, { store: 'r2://bucket/backups', env: {} }));
    expect(e.code).toBe('CONFIG');
    expect(e.message).toBe('r2:// store needs R2_ACCOUNT_ID (or R2_ENDPOINT)');
    // It had started; with nobody reading it, it is stopped, not left blocked for as long as this process lives.
    const pid = Number(readFileSync(pidFile, 'utf8'));
    let alive = true;
    for (let i = 0; i < 50 && alive; i++) {
      try {
        process.kill(pid, 0);
        await new Promise((r) => setTimeout(r, 100));
      } catch {
        alive = false;
      }
    }
    expect(alive).toBe(false);
    expect(await fingerprint(cfg)).toEqual(before);
  });
});
