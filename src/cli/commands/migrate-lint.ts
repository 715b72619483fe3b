import type { Command } from 'commander';
import { ENGINES, type Engine } from '../../config/url.js';
import { EventdbError, EXIT } from '../../errors.js';
import { isLevel, LEVELS } from '../../risk/levels.js';
import type { Finding, Level } from '../../risk/types.js';
import { action } from '../context.js';
import { keepWasmInBaselineTier, migrateGroup, migrationsFlag, type MigrateFlags } from './migrate-shared.js';

interface LintFlags extends Pick<MigrateFlags, 'migrations'> {
  failOn: string;
  format?: string;
  engine?: string;
  assumeSmall?: boolean;
}

const FORMATS = ['text', 'json', 'github', 'sarif'];

/** `eventdb migrate lint`: registered under the shared `migrate` group (migrate-shared.ts). */
export function register(program: Command): void {
  const migrate = migrateGroup(program);
  migrate
    .command('lint')
    .description('assess the risk of migration files without a database (CI): locks, rewrites, data loss, app breakage, engine support; exit 1 at --fail-on')
    .argument('[files...]', 'migration files or folders (default: the configured migrations folder)')
    .option('--fail-on <level>', 'exit 1 when a finding reaches this level: low, medium, high, critical', 'high')
    .option('--format <format>', 'text, json, github (workflow annotations) or sarif (code scanning)')
    .option('--engine <engine>', 'engine for files without a variant suffix (default: the configured URL\'s engine, without connecting)')
    .option('--assume-small', 'assume small tables (default: production-sized, since no database is read)')
    .action(
      // `migrate --migrations DIR` (or `migrate lint --migrations DIR`) names the folder, as for every migrate subcommand.
      action<LintFlags>(async ({ opts, out, config }, files: string[]) => {
        if (!isLevel(opts.failOn)) throw new EventdbError('USAGE', `unknown --fail-on level "${opts.failOn}"`, `use one of: ${LEVELS.join(', ')}`);
        const format = opts.format ?? (opts.json ? 'json' : 'text');
        if (!FORMATS.includes(format)) throw new EventdbError('USAGE', `unknown --format "${format}"`, `use one of: ${FORMATS.join(', ')}`);
        if (opts.engine && !(ENGINES as readonly string[]).includes(opts.engine)) throw new EventdbError('USAGE', `unknown --engine "${opts.engine}"`, `use one of: ${ENGINES.join(', ')}`);
        const cfg = await config();
        // A one-shot process: keep the PostgreSQL parser's WASM in V8's baseline tier (Liftoff). Tiering
        // its 1.7 MB up to TurboFan costs ~0.3 s of CPU and pays back only after some 10,000 files.
        await keepWasmInBaselineTier();
        // lint and formats only: not the gate's table sizes, nor Kysely unless a TS migration needs it.
        const [{ lintMigrations }, formats] = await Promise.all([import('../../risk/lint.js'), import('../../risk/formats.js')]);
        const r = await lintMigrations({ paths: files.length ? files : [cfg.migrationsDir], engine: (opts.engine as Engine | undefined) ?? cfg.database.engine, failOn: opts.failOn as Level, assumeSmall: opts.assumeSmall, cwd: cfg.cwd });
        const code = r.failed ? EXIT.FAILED : EXIT.OK;
        const data = { failOn: r.failOn, level: r.level, files: r.files, statements: r.statements, migrations: r.migrations, findings: r.findings };
        if (format === 'json' && !opts.json) {
          out.document(!r.failed, data);
          return code;
        }
        if (format === 'sarif') {
          out.raw(JSON.stringify(formats.sarifLog(r.findings), null, 2));
          return code;
        }
        if (format === 'github') {
          for (const l of formats.githubAnnotations(r.findings)) out.raw(l);
          out.note(summary(r.files, r.statements, r.findings, r.failOn, r.failed));
          return code;
        }
        out.result(!r.failed, data, () => {
          for (const m of r.migrations) {
            if (!m.findings.length) continue;
            out.line(`${m.migration}  ${m.file ?? ''}  [${m.engine}]  level: ${m.effectiveLevel ?? 'accepted'}`);
            for (const f of m.findings) {
              const tag = f.accepted ? `accepted: ${f.accepted.reason}` : f.level;
              out.line(`  ${f.file ?? m.migration}:${f.line}  ${f.rule} (${tag})${f.direction === 'down' ? '  [down]' : ''}`);
              out.line(`    ${f.message}`);
              out.line(`    ${oneLine(f.statement)}`);
              out.line(`    fix: ${f.advice}`);
            }
            out.line();
          }
          out.line(summary(r.files, r.statements, r.findings, r.failOn, r.failed));
        });
        return code;
      }, migrationsFlag),
    );
}

function oneLine(s: string): string {
  const t = s.replace(/\s+/g, ' ');
  return t.length > 100 ? `${t.slice(0, 97)}…` : t;
}

function summary(files: number, statements: number, findings: Finding[], failOn: string, failed: boolean): string {
  const open = findings.filter((f) => !f.accepted);
  const by = LEVELS.slice().reverse().map((l) => [l, open.filter((f) => f.level === l).length] as const).filter(([, n]) => n > 0).map(([l, n]) => `${n} ${l}`);
  const acc = findings.length - open.length;
  return `${files} file${files === 1 ? '' : 's'}, ${statements} statement${statements === 1 ? '' : 's'}: ${open.length ? by.join(', ') : 'no findings'}${acc ? ` (${acc} accepted)` : ''} — ${failed ? `fails --fail-on ${failOn}` : `passes --fail-on ${failOn}`}`;
}
