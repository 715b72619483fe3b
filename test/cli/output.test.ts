import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/index.js';
import { registerSecret } from '../../src/config/redact.js';
import { Output } from '../../src/cli/output.js';
import { EventdbError } from '../../src/errors.js';
import { seedItems } from '../backup/helpers.js';
import { baseEnv, BIN, runCli } from '../helpers/cli.js';

/** An Output writing into strings instead of the process's streams. */
function captured(g: { json?: boolean; quiet?: boolean; verbose?: boolean } = {}) {
  const text = { stdout: '', stderr: '' };
  const sink = (k: keyof typeof text) =>
    new Writable({
      write(chunk, _enc, cb) {
        text[k] += String(chunk);
        cb();
      },
    }) as unknown as NodeJS.WriteStream;
  return { out: new Output(g, sink('stdout'), sink('stderr')), text };
}

const SECRET = 'hunter2-very-secret-value';
const URL_WITH_PASSWORD = 'postgres://app:pw-in-the-url@db.example:5432/events';

describe('the output layer: NDJSON lines, raw text, live lines', () => {
  beforeAll(() => registerSecret(SECRET));

  it('ndjson writes one compact line per event, ok first, with secrets and URL passwords redacted', () => {
    const { out, text } = captured({ json: true, quiet: true });
    out.ndjson(true, { backup: { id: 'a', note: `token ${SECRET}`, url: URL_WITH_PASSWORD } });
    out.ndjson(true, { listening: { url: 'http://127.0.0.1:8080' } });
    const lines = text.stdout.split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[2]).toBe('');
    const first = JSON.parse(lines[0]!);
    expect(Object.keys(first)).toEqual(['ok', 'backup']);
    expect(first.ok).toBe(true);
    expect(text.stdout).not.toContain(SECRET);
    expect(text.stdout).not.toContain('pw-in-the-url');
    expect(first.backup.url).toMatch(/^postgres:\/\/app:\*+@db\.example:5432\/events$/);
    expect(JSON.parse(lines[1]!)).toEqual({ ok: true, listening: { url: 'http://127.0.0.1:8080' } });
    expect(text.stderr).toBe('');
  });

  it('ndjsonError writes exactly one NDJSON error line on stdout and the error lines on stderr, redacted', () => {
    const { out, text } = captured({ json: true });
    const exit = out.ndjsonError(new EventdbError('STORE_UNREACHABLE', `cannot reach ${URL_WITH_PASSWORD} with ${SECRET}`, `check ${SECRET}`));
    expect(exit).toBe(3);
    const lines = text.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]!);
    expect(Object.keys(line)).toEqual(['ok', 'error']);
    expect(line.ok).toBe(false);
    expect(line.error.code).toBe('STORE_UNREACHABLE');
    expect(line.error.message).toMatch(/^cannot reach postgres:\/\/app:\*+@db\.example:5432\/events with \*+$/);
    expect(text.stderr).toMatch(/^error: cannot reach postgres:\/\/app:\*+@db\.example:5432\/events with \*+\nhint: check \*+\n$/);
    expect(text.stdout + text.stderr).not.toContain(SECRET);
    expect(text.stdout + text.stderr).not.toContain('pw-in-the-url');
  });

  it('raw text (SARIF, annotations) and --format json documents are redacted too, and written even with --json or --quiet', () => {
    const { out, text } = captured({ json: true, quiet: true });
    out.raw(JSON.stringify({ runs: [{ results: [{ message: { text: `uses ${SECRET} and ${URL_WITH_PASSWORD}` } }] }] }, null, 2));
    out.raw(`::error file=m.sql,line=3::password ${SECRET}`);
    out.document(false, { findings: [{ statement: `alter role app password '${SECRET}'` }] });
    expect(text.stdout).not.toContain(SECRET);
    expect(text.stdout).not.toContain('pw-in-the-url');
    expect(text.stdout).toMatch(/^::error file=m\.sql,line=3::password \*+$/m);
    const sarifEnd = text.stdout.indexOf('\n}\n') + 3;
    expect(JSON.parse(text.stdout.slice(0, sarifEnd)).runs[0].results[0].message.text).toMatch(/^uses \*+ and postgres:\/\/app:\*+@/);
    const doc = JSON.parse(text.stdout.slice(text.stdout.indexOf('{\n  "ok"')));
    expect(Object.keys(doc)).toEqual(['ok', 'findings']);
    expect(doc.findings[0].statement).toMatch(/^alter role app password '\*+'$/);
  });

  it('a live line is redrawn in place, redacted and with control characters made visible', () => {
    const { out, text } = captured();
    out.live(`items: 10 rows ${SECRET}\x1b[31m`);
    out.live();
    const clear = '\r\u001b[2K';
    expect(text.stderr.startsWith(clear)).toBe(true);
    expect(text.stderr.endsWith(clear)).toBe(true);
    expect(text.stderr.slice(clear.length, -clear.length)).toMatch(/^items: 10 rows \*+\\x1b\[31m$/);
    expect(text.stdout).toBe('');
  });

  it('an error escaping every command (the CLI entry) is redacted, with the JSON error object under --json', () => {
    const { out, text } = captured({ json: true });
    out.internal(new Error(`boom at ${URL_WITH_PASSWORD} ${SECRET}`));
    const j = JSON.parse(text.stdout);
    expect(Object.keys(j)).toEqual(['ok', 'error']);
    expect(j.error.code).toBe('INTERNAL');
    expect(j.error.message).toMatch(/^boom at postgres:\/\/app:\*+@db\.example:5432\/events \*+$/);
    expect(text.stderr).toMatch(/^error: boom at postgres:\/\/app:\*+@db\.example:5432\/events \*+\n$/);
    expect(text.stdout + text.stderr).not.toContain(SECRET);
  });
});

describe('backup --every --json: NDJSON on stdout', () => {
  let dir: string;
  let url: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'eventdb-ndjson-'));
    url = `sqlite:${join(dir, 'app.sqlite')}`;
    await seedItems(await resolveConfig({ flags: { url }, env: {} }), 5);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('one {"ok":true,"backup":…} line per backup, the final one on SIGTERM, exit 0', async () => {
    const child = spawn(process.execPath, [BIN, 'backup', '--every', '1h', '--json', '--url', url], { cwd: dir, env: { ...baseEnv(), EVENTDB_STORE: `file:${join(dir, 'store')}` }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const first = new Promise<void>((resolve) => child.stdout.on('data', (d: Buffer) => ((stdout += d.toString()), stdout.includes('\n') && resolve())));
    const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    await first;
    child.kill('SIGTERM');
    expect(await exited, stderr).toBe(0);
    const lines = stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2);
    for (const l of lines) {
      expect(Object.keys(l)).toEqual(['ok', 'backup']);
      expect(l.backup).toMatchObject({ engine: 'sqlite', tables: { items: 5 } });
    }
    expect(lines[0].backup.id).not.toBe(lines[1].backup.id);
    expect(stderr).toMatch(/^SIGTERM received: taking a final backup \(up to 300 s\) before exiting$/m);
    const l = await runCli(['backup', 'list', '--json', '--url', url], { env: { EVENTDB_STORE: `file:${join(dir, 'store')}` }, cwd: dir });
    expect(l.json().snapshots.map((s: { id: string }) => s.id).sort()).toEqual(lines.map((x) => x.backup.id).sort());
  });

  it('a failing backup is one {"ok":false,"error":…} line (no pretty-printed object), and the schedule goes on', async () => {
    // The store is a file, not a folder: every backup fails.
    const notADir = join(dir, 'a-file');
    (await import('node:fs')).writeFileSync(notADir, 'x');
    const child = spawn(process.execPath, [BIN, 'backup', '--every', '1s', '--json', '--url', url, '--store', `file:${notADir}`], { cwd: dir, env: baseEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const two = new Promise<void>((resolve) => child.stdout.on('data', (d: Buffer) => ((stdout += d.toString()), stdout.split('\n').length > 2 && resolve())));
    const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    await two;
    child.kill('SIGTERM');
    expect(await exited).toBe(1);
    const lines = stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(lines.length).toBeGreaterThanOrEqual(3); // two scheduled, one final
    for (const l of lines) {
      expect(Object.keys(l)).toEqual(['ok', 'error']);
      expect(l.ok).toBe(false);
      expect(l.error.code).toBe('STORE_FAILED');
      expect(l.error.message).toMatch(/^cannot create .*ENOTDIR/);
    }
    expect(stderr).toMatch(/^error: cannot create .*ENOTDIR.*\nhint: check the store folder$/m);
  });
});
