import type { Command } from 'commander';
import { ENGINES, type Engine } from '../../config/index.js';
import { EventdbError } from '../../errors.js';
import { action } from '../context.js';
import { confirmDestructive } from '../confirm.js';
import { lockTimeoutMs, migrationsFlag, readFilesFirst, renderFailure, withConnection, type MigrateFlags } from './migrate-shared.js';

interface CreateFlags extends MigrateFlags {
  sql?: boolean;
  ts?: boolean;
  engine?: string;
}

/** migrate create | validate | baseline | repair | graph | reset. */
export function registerMigrateAdmin(migrate: Command): void {
  migrate
    .command('create')
    .description('write a new migration with the next ID and both sections')
    .argument('<name>', 'what it does, e.g. add_waitlist')
    .option('--sql', 'an SQL file with -- eventdb:up / -- eventdb:down sections (default)')
    .option('--ts', 'a TypeScript file exporting up(db) and down(db)')
    .option('--engine <engine>', 'an engine variant: postgres, sqlite or duckdb')
    .action(
      action<CreateFlags>(async ({ out, opts, config }, name: string) => {
        if (opts.sql && opts.ts) throw new EventdbError('USAGE', 'give --sql or --ts, not both', 'SQL is the default');
        if (opts.engine !== undefined && !(ENGINES as readonly string[]).includes(opts.engine)) throw new EventdbError('USAGE', `unknown engine "${opts.engine}"`, 'use postgres, sqlite or duckdb');
        const cfg = await config();
        const { createMigration } = await import('../../migrations/index.js');
        const r = createMigration(cfg.migrationsDir, name, { format: opts.ts ? 'ts' : 'sql', engine: opts.engine as Engine | undefined });
        out.result(true, { id: r.id, file: r.file }, () => out.line(`created ${r.file}`));
      }, migrationsFlag),
    );

  migrate
    .command('validate')
    .description('check checksums, missing files, unknown applied IDs, cycles and unknown dependencies; exit 1 listing every problem')
    .action(
      action<MigrateFlags>(async ({ out, config }) => {
        const cfg = await config();
        const { validateMigrations } = await import('../../migrations/index.js');
        const r = await withConnection(cfg, undefined, (conn) => validateMigrations(conn, cfg, cfg.database.engine), { existingOnly: true });
        const ok = r.problems.length === 0;
        out.result(ok, { problems: r.problems, warnings: r.warnings, migrations: r.migrations }, () => {
          for (const p of r.problems) out.line(`${out.marker('fail')} ${p.message}\n       ${p.hint}`);
          for (const w of r.warnings) out.line(`${out.marker('warn')} ${w.message}`);
          out.line(ok ? `${out.marker('ok')} ${r.migrations} migrations valid` : `${r.problems.length} problem${r.problems.length === 1 ? '' : 's'}`);
        });
        return ok ? 0 : 1;
      }, migrationsFlag),
    );

  migrate
    .command('baseline')
    .description('adopt an existing database: mark migrations up to ID as applied without running them')
    .requiredOption('--to <id>', 'the last migration the database already has')
    .option('--lock-timeout <seconds>', 'wait this long for the migration lock (default 60)')
    .action(
      action<MigrateFlags & { to: string }>(async ({ out, opts, config }) => {
        const cfg = await config();
        const lockMs = lockTimeoutMs(opts.lockTimeout);
        const { baseline } = await import('../../migrations/index.js');
        const r = await withConnection(cfg, lockMs, (conn) => baseline(conn!, cfg, { to: opts.to, lockTimeoutMs: lockMs }), { locks: true, whileConnecting: readFilesFirst(cfg) });
        out.result(true, r, () => out.line(r.baselined.length ? `marked ${r.baselined.length} migration(s) as applied without running them: ${r.baselined.join(', ')}` : `nothing to baseline: everything up to ${opts.to} is applied`));
      }, migrationsFlag),
    );

  migrate
    .command('repair')
    .description('re-record the checksums of changed applied files and clear failed attempts (logged; needs --yes)')
    .option('--lock-timeout <seconds>', 'wait this long for the migration lock (default 60)')
    .action(
      action<MigrateFlags>(async ({ out, opts, config }) => {
        const cfg = await config();
        if (!opts.yes) throw new EventdbError('CONFIRM_REQUIRED', 'repair rewrites recorded checksums and clears failed attempts; it needs --yes', 'review `eventdb migrate validate`, then run `eventdb migrate repair --yes`');
        const lockMs = lockTimeoutMs(opts.lockTimeout);
        const { repair } = await import('../../migrations/index.js');
        const r = await withConnection(cfg, lockMs, (conn) => repair(conn!, cfg, { lockTimeoutMs: lockMs }), { locks: true, emptyIfAbsent: true });
        out.result(true, { ...r }, () => {
          for (const u of r.updated) out.line(`${out.marker('ok')} ${u.id}: checksum ${u.from.slice(0, 12)} → ${u.to.slice(0, 12)}`);
          out.line(`repaired ${r.updated.length} checksum(s); cleared ${r.clearedFailedAttempts} failed attempt(s)`);
        });
      }, migrationsFlag),
    );

  migrate
    .command('graph')
    .description('the dependency graph')
    .option('--format <format>', 'text, mermaid or dot', 'text')
    .action(
      action<MigrateFlags & { format: string }>(async ({ out, opts, config }) => {
        if (!['text', 'mermaid', 'dot'].includes(opts.format)) throw new EventdbError('USAGE', `unknown graph format "${opts.format}"`, 'use --format text, mermaid or dot');
        const cfg = await config();
        const { migrationGraph } = await import('../../migrations/index.js');
        const r = await withConnection(cfg, undefined, (conn) => migrationGraph(cfg, cfg.database.engine, opts.format as 'text', conn), { existingOnly: true });
        out.result(true, { format: opts.format, graph: r.graph, nodes: r.nodes }, () => out.line(r.graph));
      }, migrationsFlag),
    );

  migrate
    .command('reset')
    .description('roll back every migration (development and test only)')
    .option('--lock-timeout <seconds>', 'wait this long for the migration lock (default 60)')
    .option('--force', 'run even what the risk gate would block')
    .action(
      action<MigrateFlags>(async (ctx) => {
        const { out, opts } = ctx;
        const cfg = await ctx.config();
        await confirmDestructive(cfg, 'reset (roll back) every migration', opts.yes);
        const lockMs = lockTimeoutMs(opts.lockTimeout);
        const { resetMigrations } = await import('../../migrations/index.js');
        let r;
        try {
          r = await withConnection(cfg, lockMs, (conn) => resetMigrations(conn!, cfg, { lockTimeoutMs: lockMs, force: opts.force }), { locks: true, emptyIfAbsent: true });
        } catch (e) {
          return renderFailure(ctx, e, 'rolledBack');
        }
        out.result(true, { ...r, durationMs: Math.round(r.durationMs) }, () => out.line(`rolled back ${r.rolledBack.length} migration(s): ${r.rolledBack.map((s) => s.id).join(', ') || 'none'}`));
      }, migrationsFlag),
    );
}
