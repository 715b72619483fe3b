import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { describeEngines } from '../helpers/engines.js';

/**
 * Item 11: a project outside eventdb's package folder (no node_modules of its own) whose TypeScript
 * migration, seed and config import `kysely`: lint, up, seed and the config all load them through the
 * one TS loader, which resolves `kysely` to eventdb's copy.
 */
describeEngines('item 11: TS files outside the package folder load the same way in lint, up, seed and config', (fx) => {
  it('migrate lint, migrate up, seed --file and an eventdb.config.ts that import kysely', async () => {
    const cwd = mkdtempSync(join(fx.dir(), 'outside-'));
    mkdirSync(join(cwd, 'migrations'));
    mkdirSync(join(cwd, 'seeds'));
    writeFileSync(
      join(cwd, 'migrations', '0001_notes.ts'),
      "import { sql, type Kysely } from 'kysely';\nexport async function up(db: Kysely<any>) {\n  await db.schema.createTable('notes').addColumn('id', 'integer', (c) => c.primaryKey()).addColumn('body', 'text').execute();\n  await sql`insert into notes (id, body) values (1, 'first')`.execute(db);\n}\nexport async function down(db: Kysely<any>) {\n  await db.schema.dropTable('notes').execute();\n}\n",
    );
    writeFileSync(join(cwd, 'seeds', 'more.ts'), "import { sql } from 'kysely';\nexport default async function seed({ db }: any) {\n  await sql`insert into notes (id, body) values (2, 'seeded')`.execute(db);\n}\n");
    writeFileSync(join(cwd, 'eventdb.config.ts'), `import { sql } from 'kysely';\nvoid sql;\nexport default { url: ${JSON.stringify(fx.url())}, migrationsDir: 'migrations', seedsDir: 'seeds' };\n`);

    const lint = await runCli(['migrate', 'lint', '--json', '--fail-on', 'critical'], { cwd });
    expect(lint.stderr).not.toContain("Cannot find module 'kysely'");
    expect(lint.code, lint.stdout + lint.stderr).toBe(0);
    const statements = JSON.stringify(lint.json());
    expect(statements).toContain('0001_notes');
    expect(lint.json().ok).toBe(true);

    const up = await runCli(['migrate', 'up', '--json'], { cwd });
    expect(up.code, up.stderr).toBe(0);
    expect(up.json().applied.map((m: { id: string }) => m.id)).toEqual(['0001_notes']);

    const seed = await runCli(['seed', '--file', 'seeds/more.ts', '--json'], { cwd });
    expect(seed.code, seed.stderr + seed.stdout).toBe(0);

    const status = await runCli(['migrate', 'status', '--json'], { cwd });
    expect(status.json().pending).toBe(0);
  });
});
