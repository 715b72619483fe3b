import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { sqlMig, writeMigrations } from './helpers.js';

/*
 * `migrate reset` over migrations without a down (lemmy has 32) said "add an -- eventdb:down section to
 * <one file>, or roll back to a later migration with --to" — reset has no --to (exit 2, unknown option),
 * and the other files went unnamed. The hint now counts them and gives the command that works.
 */
const dir = mkdtempSync(join(tmpdir(), 'eventdb-no-down-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('migrate reset names the newest migration without a down, counts the others, and gives a rollback --to that works', async () => {
  const migrations = writeMigrations(dir, {
    '001_a.sql': sqlMig('CREATE TABLE a (id integer);', 'DROP TABLE a;'),
    '002_b.sql': sqlMig('CREATE TABLE b (id integer);'),
    '003_c.sql': sqlMig('CREATE TABLE c (id integer);'),
    '004_d.sql': sqlMig('CREATE TABLE d (id integer);', 'DROP TABLE d;'),
  });
  const args = ['--url', `sqlite:${join(dir, 'db.sqlite')}`, '--migrations', migrations];
  expect((await runCli(['migrate', 'up', ...args])).code).toBe(0);
  const r = await runCli(['migrate', 'reset', '--yes', ...args, '--json']);
  expect(r.code).not.toBe(0);
  expect(r.json().error).toEqual({
    code: 'NO_DOWN',
    message: 'cannot roll back 003_c, 002_b: no down section; nothing was rolled back',
    hint: `add an \`-- eventdb:down\` section to ${join(migrations, '003_c.sql')} (and give the 1 other one), or roll back only the migrations after it: \`eventdb rollback --to 003_c\``,
  });
  const status = await runCli(['migrate', 'status', ...args, '--json']);
  expect(status.json().migrations.filter((m: { state: string }) => m.state === 'applied')).toHaveLength(4);
  const follow = await runCli(['rollback', '--to', '003_c', ...args, '--json']);
  expect(follow.code, follow.stderr).toBe(0);
  expect(follow.json().rolledBack.map((m: { id: string }) => m.id)).toEqual(['004_d']);
});
