import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { describeEngines } from '../helpers/engines.js';

const sha = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');

/** Item 12: a migration is checksummed byte for byte, and one that is not UTF-8 is refused with its line. */
describeEngines('item 12: migration bytes: invalid UTF-8 refused with file:line, checksums of valid files unchanged', (fx) => {
  function project(): { cwd: string; file: string } {
    const cwd = mkdtempSync(join(fx.dir(), 'bytes-'));
    mkdirSync(join(cwd, 'migrations'));
    return { cwd, file: join(cwd, 'migrations', '0001_t.sql') };
  }
  const run = (cwd: string, args: string[]) => runCli([...args, '--url', fx.url(), '--json'], { cwd, env: { EVENTDB_MIGRATIONS_DIR: join(cwd, 'migrations') } });

  it('a Latin-1 byte on line 3: migrate up and migrate lint exit 2 with MIGRATION_INVALID at 0001_t.sql:3, nothing applied', async () => {
    const { cwd, file } = project();
    // "café" saved as Latin-1: 0xE9 is not UTF-8; decoding it would insert U+FFFD.
    writeFileSync(file, Buffer.concat([Buffer.from("-- eventdb:up\ncreate table t (id integer primary key, name text);\ninsert into t values (1, 'caf"), Buffer.from([0xe9]), Buffer.from("');\n-- eventdb:down\ndrop table t;\n")]));
    const up = await run(cwd, ['migrate', 'up']);
    expect(up.code, up.stderr).toBe(2);
    expect(up.json().error.code).toBe('MIGRATION_INVALID');
    expect(up.json().error.message).toBe(`${file}:3:30: not valid UTF-8 (byte 0xe9)`);
    expect(up.stderr).toContain('hint: save the file as UTF-8');
    const lint = await runCli(['migrate', 'lint', '--engine', fx.engine, '--json'], { cwd });
    expect(lint.code).toBe(2);
    expect(lint.json().error.code).toBe('MIGRATION_INVALID');
    expect(lint.json().error.message).toContain('0001_t.sql:3:30: not valid UTF-8');
    // Nothing applied: once fixed, the migration is still pending and t holds the real text.
    writeFileSync(file, "-- eventdb:up\ncreate table t (id integer primary key, name text);\ninsert into t values (1, 'café');\n-- eventdb:down\ndrop table t;\n");
    const status = await run(cwd, ['migrate', 'status']);
    expect(status.code, status.stderr).toBe(0);
    expect(status.json().pending).toBe(1);
    expect((await run(cwd, ['migrate', 'up'])).code).toBe(0);
  });

  it('invalid bytes of any kind are refused: a lone continuation byte, a truncated sequence at the end, an overlong form', async () => {
    for (const [bytes, line] of [
      [Buffer.concat([Buffer.from('-- eventdb:up\nselect 1;\n-- '), Buffer.from([0x80]), Buffer.from('\n')]), 3],
      [Buffer.concat([Buffer.from('-- eventdb:up\nselect 1;\n-- x'), Buffer.from([0xe2, 0x82])]), 3],
      [Buffer.concat([Buffer.from('-- eventdb:up\n-- '), Buffer.from([0xc0, 0xaf]), Buffer.from('\nselect 1;\n')]), 2],
    ] as const) {
      const { cwd, file } = project();
      writeFileSync(file, bytes);
      const r = await run(cwd, ['migrate', 'up']);
      expect(r.code).toBe(2);
      expect(r.json().error.message).toMatch(new RegExp(`0001_t\\.sql:${line}:\\d+: not valid UTF-8`));
    }
  });

  it('a valid file keeps the checksum history already holds (normalised text), BOM and CRLF ignored; any byte edit changes it', async () => {
    const { cwd, file } = project();
    const text = "-- eventdb:up\ncreate table t (id integer primary key, name text);\ninsert into t values (1, 'Zürich – 東京');\n-- eventdb:down\ndrop table t;\n";
    writeFileSync(file, `\uFEFF${text.replace(/\n/g, '\r\n')}`);
    expect((await run(cwd, ['migrate', 'up'])).code).toBe(0);
    const status = (await run(cwd, ['migrate', 'status'])).json();
    expect(status.migrations[0].checksum).toBe(sha(text)); // what earlier versions recorded
    expect(status.changed).toBe(0);
    writeFileSync(file, text); // LF, no BOM: the same checksum
    expect((await run(cwd, ['migrate', 'status'])).json().changed).toBe(0);
    writeFileSync(file, text.replace('東京', '東亰')); // one character, three bytes, of a string literal
    const changed = (await run(cwd, ['migrate', 'status'])).json();
    expect(changed.changed).toBe(1);
  });
});
