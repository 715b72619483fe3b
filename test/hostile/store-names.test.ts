import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/index.js';
import { runCli } from '../helpers/cli.js';
import { startS3, type S3Fixture } from '../helpers/s3.js';
import { fingerprint, seedItems } from '../backup/helpers.js';
import { expectCleanError, expectJsonError, readManifest, writeManifest } from './helpers.js';

/**
 * Names read from a store are untrusted: object names, snapshot ids and listed keys never become a
 * path or key outside the snapshot (`..`, `/`), never reach the terminal raw (control characters),
 * and store folders of two databases never collide.
 */
describe('hostile names in a store', () => {
  let dir: string;
  let url: string;
  let store: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'eventdb-hostile-names-'));
    url = `sqlite:${join(dir, 'app.sqlite')}`;
    store = join(dir, 'backups');
    await seedItems(await resolveConfig({ flags: { url }, env: {} }), 30);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a manifest object name with ../ never writes or deletes outside the temp folder (verify and restore)', async () => {
    const b = await runCli(['backup', '--json', '--url', url], { cwd: dir });
    expect(b.code, b.stderr).toBe(0);
    const id = b.json().backup.id;
    const snap = join(store, 'development', 'app', id);
    // The victim sits where join(<tmp>/eventdb-verify-XXXX, '../x/victim.txt') points.
    const tmp = join(dir, 'tmp');
    mkdirSync(join(tmp, 'x'), { recursive: true });
    const victim = join(tmp, 'x', 'victim.txt');
    writeFileSync(victim, 'precious');
    const m = readManifest(snap);
    const name = m.objects[0].name;
    m.objects[0].name = '../x/victim.txt';
    writeManifest(snap, m);
    // A matching object where the store resolves the key, so a download would succeed too.
    mkdirSync(join(store, 'development', 'app', 'x'), { recursive: true });
    cpSync(join(snap, name), join(store, 'development', 'app', 'x', 'victim.txt'));
    const env = { EVENTDB_TMPDIR: tmp };
    const v = await runCli(['backup', 'verify', id, '--url', url], { cwd: dir, env });
    expectCleanError(v, 1, /^error: snapshot \d{8}T\d{6}Z-[0-9a-f]{6} is damaged: the manifest .* "objects\[0\]\.name" is missing or invalid$/);
    const vj = await runCli(['backup', 'verify', id, '--json', '--url', url], { cwd: dir, env });
    expectJsonError(vj, 1, 'CORRUPT_SNAPSHOT', /objects\[0\]\.name/);
    const before = await fingerprint(await resolveConfig({ flags: { url }, env: {} }));
    const r = await runCli(['restore', id, '--yes', '--url', url], { cwd: dir, env });
    expectCleanError(r, 1, /is damaged/);
    expect(readFileSync(victim, 'utf8')).toBe('precious');
    expect(await fingerprint(await resolveConfig({ flags: { url }, env: {} }))).toEqual(before);
    expect(readdirSync(tmp)).toEqual(['x']); // no temp folder left either
    // The list shows it as damaged and goes on.
    const l = await runCli(['backup', 'list', '--json', '--url', url], { cwd: dir });
    expect(l.code, l.stderr).toBe(0);
    expect(l.json().damaged).toEqual([{ id, reason: expect.stringMatching(/objects\[0\]\.name/) }]);
    rmSync(snap, { recursive: true });
    rmSync(join(store, 'development', 'app', 'x'), { recursive: true });
  });

  it('a manifest with two data objects is refused before anything is written', async () => {
    // The download target is created exclusively: pre-plant the scratch file name a restore would use.
    const b = await runCli(['backup', '--json', '--url', url], { cwd: dir });
    expect(b.code, b.stderr).toBe(0);
    const id = b.json().backup.id;
    const snap = join(store, 'development', 'app', id);
    // A name that is a valid segment but collides after the suffix is stripped: two objects → refused.
    const m = readManifest(snap);
    m.objects.push({ ...m.objects[0] });
    writeManifest(snap, m);
    const r = await runCli(['restore', id, '--yes', '--url', url], { cwd: dir });
    expectCleanError(r, 1, new RegExp(`^error: snapshot ${id} is damaged: the manifest ${id}/manifest.json is damaged: "objects" lists 2 data objects; a snapshot has exactly one$`));
    rmSync(snap, { recursive: true });
  });

  it('folders named .., with control characters or not an id are listed as damaged; the rest still works', async () => {
    const b = await runCli(['backup', '--json', '--url', url, '--tag', 'good'], { cwd: dir });
    const good = b.json().backup.id;
    const root = join(store, 'development', 'app');
    const weird = ['a\u001b[2Jb', 'x y', '%2e%2e'];
    for (const w of weird) {
      mkdirSync(join(root, w), { recursive: true });
      writeFileSync(join(root, w, 'manifest.json'), readFileSync(join(root, good, 'manifest.json')));
    }
    const l = await runCli(['backup', 'list', '--url', url], { cwd: dir });
    expect(l.code, l.stderr).toBe(0);
    expect(l.stdout).not.toContain('\u001b');
    expect(l.stdout).toContain('skipped damaged snapshot a\\x1b[2Jb');
    expect(l.stdout).toMatch(new RegExp(`^\\s+${good} `, 'm'));
    const j = (await runCli(['backup', 'list', '--json', '--url', url], { cwd: dir })).json();
    expect(j.damaged.map((d: { id: string }) => d.id).sort()).toEqual([...weird].sort());
    const latest = await runCli(['restore', '--latest', '--yes', '--json', '--url', url], { cwd: dir });
    expect(latest.code, latest.stderr).toBe(0);
    expect(latest.json().restore.id).toBe(good);
    for (const w of weird) rmSync(join(root, w), { recursive: true });
  });

  it('control characters: --tag is refused (exit 2); a tampered tag in a manifest is shown escaped', async () => {
    const t = await runCli(['backup', '--url', url, '--tag', 'ok\u001b]0;pwned\u0007'], { cwd: dir });
    expectCleanError(t, 2, /^error: the tag "ok\\u001b\]0;pwned\\u0007" contains control characters$/);
    expect(t.stderr).not.toContain('\u001b');
    const b = await runCli(['backup', '--json', '--url', url], { cwd: dir });
    const snap = join(store, 'development', 'app', b.json().backup.id);
    const m = readManifest(snap);
    m.tag = 'x\u001b[31mred\rover';
    m.migrations.head = 'h\u009bhead';
    writeManifest(snap, m);
    const l = await runCli(['backup', 'list', '--url', url], { cwd: dir });
    expect(l.code, l.stderr).toBe(0);
    for (const c of ['\u001b', '\r', '\u009b']) expect(l.stdout).not.toContain(c);
    expect(l.stdout).toContain('tag=x\\x1b[31mred\\x0dover');
    expect(l.stdout).toContain('head=h\\x9bhead');
    expect((await runCli(['backup', 'list', '--json', '--url', url], { cwd: dir })).json().snapshots[0].tag).toBe('x\u001b[31mred\rover');
  });

  it('databases "sec x" and "sec_x" get their own store folders; old-layout snapshots are still found', async () => {
    const a = `sqlite:${join(dir, 'sec x.sqlite')}`;
    const u = `sqlite:${join(dir, 'sec_x.sqlite')}`;
    await seedItems(await resolveConfig({ flags: { url: a }, env: {} }), 5);
    await seedItems(await resolveConfig({ flags: { url: u }, env: {} }), 7);
    const ba = await runCli(['backup', '--json', '--url', a], { cwd: dir });
    const bu = await runCli(['backup', '--json', '--url', u], { cwd: dir });
    expect(ba.json().backup.location).toBe(`development/sec%20x/${ba.json().backup.id}/`);
    expect(bu.json().backup.location).toBe(`development/sec_x/${bu.json().backup.id}/`);
    const la = (await runCli(['backup', 'list', '--json', '--url', a], { cwd: dir })).json();
    const lu = (await runCli(['backup', 'list', '--json', '--url', u], { cwd: dir })).json();
    expect(la.snapshots.map((s: { id: string }) => s.id)).toEqual([ba.json().backup.id]);
    expect(lu.snapshots.map((s: { id: string }) => s.id)).toEqual([bu.json().backup.id]);
    // A snapshot of "sec x" written by an older eventdb into the shared `sec_x` folder: found for
    // "sec x" (its manifest says so), never offered to "sec_x".
    const old = join(store, 'development', 'sec_x', '20200101T000000Z-abcdef');
    cpSync(join(store, 'development', 'sec%20x', ba.json().backup.id), old, { recursive: true });
    const m = readManifest(old);
    m.id = '20200101T000000Z-abcdef';
    m.createdAt = '2020-01-01T00:00:00.000Z'; // the id's time: a manifest whose time disagrees with its id is damaged
    writeManifest(old, m);
    const la2 = (await runCli(['backup', 'list', '--json', '--url', a], { cwd: dir })).json();
    expect(la2.snapshots.map((s: { id: string }) => s.id)).toEqual([ba.json().backup.id, '20200101T000000Z-abcdef']);
    const lu2 = (await runCli(['backup', 'list', '--json', '--url', u], { cwd: dir })).json();
    expect(lu2.snapshots.map((s: { id: string }) => s.id)).toEqual([bu.json().backup.id]);
    const r = await runCli(['restore', '20200101T000000Z-abcdef', '--yes', '--json', '--url', a], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect((await fingerprint(await resolveConfig({ flags: { url: a }, env: {} }))).rows).toBe(5);
  });
});

describe('hostile keys in an S3 store', () => {
  let s3: S3Fixture;
  let dir: string;
  let url: string;
  let env: Record<string, string>;
  let storeUrl: string;
  beforeAll(async () => {
    s3 = await startS3();
    dir = mkdtempSync(join(tmpdir(), 'eventdb-hostile-s3-'));
    url = `sqlite:${join(dir, 'app.sqlite')}`;
    await seedItems(await resolveConfig({ flags: { url }, env: {} }), 12);
    env = { AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey, AWS_REGION: 'us-east-1', S3_ENDPOINT: s3.endpoint, EVENTDB_TMPDIR: join(dir, 'tmp') };
    mkdirSync(join(dir, 'tmp'));
    storeUrl = `s3://${s3.bucket}/p`;
  });
  afterAll(async () => {
    await s3.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('listed keys with .., control characters and manifests naming ../ objects are skipped; nothing is written outside', async () => {
    const b = await runCli(['backup', '--json', '--url', url, '--store', storeUrl], { cwd: dir, env });
    expect(b.code, b.stderr).toBe(0);
    const good = b.json().backup;
    const client = new S3Client({ endpoint: s3.endpoint, forcePathStyle: true, region: 'us-east-1', credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } });
    const manifest = { ...(await (await fetchManifest(client, s3.bucket, `p/${good.location}manifest.json`))) };
    const put = (key: string, body: string) => client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: body }));
    await put('p/development/app/..\u001b[1m/manifest.json', JSON.stringify(manifest));
    const evil = { ...manifest, id: '20300101T000000Z-000000', objects: [{ ...manifest.objects[0], name: '../../../../escape.txt' }] };
    await put('p/development/app/20300101T000000Z-000000/manifest.json', JSON.stringify(evil));
    const l = await runCli(['backup', 'list', '--json', '--url', url, '--store', storeUrl], { cwd: dir, env });
    expect(l.code, l.stderr).toBe(0);
    expect(l.json().snapshots.map((s: { id: string }) => s.id)).toEqual([good.id]);
    expect(l.json().damaged.map((d: { id: string }) => d.id).sort()).toEqual(['..\u001b[1m', '20300101T000000Z-000000'].sort());
    const v = await runCli(['backup', 'verify', '--latest', '--json', '--url', url, '--store', storeUrl], { cwd: dir, env });
    expect(v.code, v.stderr).toBe(0);
    expect(v.json().verify.id).toBe(good.id);
    const bad = await runCli(['backup', 'verify', '20300101T000000Z-000000', '--url', url, '--store', storeUrl], { cwd: dir, env });
    expectCleanError(bad, 1, /is damaged/);
    expect(existsSync(join(dir, 'escape.txt'))).toBe(false);
    expect(readdirSync(join(dir, 'tmp'))).toEqual([]);
  });
});

async function fetchManifest(client: S3Client, bucket: string, key: string): Promise<any> {
  const { GetObjectCommand } = await import('@aws-sdk/client-s3');
  const r = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return JSON.parse(await r.Body!.transformToString());
}
