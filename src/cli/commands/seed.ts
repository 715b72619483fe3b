import { resolve as resolvePath } from 'node:path';
import type { Command } from 'commander';
import { EventdbError } from '../../errors.js';
import { mark } from '../../trace.js';
import { action } from '../context.js';
import { table } from '../output.js';

interface SeedFlags {
  profile?: string;
  scale?: string;
  seed?: string;
  now?: string;
  append?: boolean;
  reset?: boolean;
  allowProduction?: boolean;
  file?: string;
  batchSize?: string;
}

function integer(flag: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min) {
    throw new EventdbError('USAGE', `${flag} must be an integer ≥ ${min}, got "${value}"`, `e.g. ${flag} ${Math.max(min, flag === '--seed' ? 42 : 10)}`);
  }
  return n;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

export function register(program: Command): void {
  program
    .command('seed')
    .description('fill the platform tables with realistic, deterministic data through the engine\'s bulk loader')
    .option('--profile <name>', 'minimal (reference rows), demo (a browsable platform) or load (scaled by --scale)', undefined)
    .option('--scale <n>', 'load profile: about N × 100,000 registrations and proportionate everything else', '1')
    .option('--seed <n>', 'random seed: the same seed gives the same rows on every engine and run (default 42)')
    .option('--now <instant>', 'generate dates around this ISO 8601 instant (default: a fixed reference when --seed is given, else today 00:00 UTC)')
    .option('--append', 'add to a database that already holds platform data')
    .option('--reset', 'empty the platform tables first (development and test environments only)')
    .option('--allow-production', 'allow seeding a production database (also needs --yes)')
    .option('--file <path>', 'run a custom seed module (TypeScript or JavaScript, e.g. seeds/example.ts)')
    .option('--batch-size <n>', 'rows per batch handed to the bulk loader (default 8192; DuckDB 2048, one data chunk)')
    .addHelpText('after', '\nExamples:\n  eventdb migrate up && eventdb seed\n  eventdb seed --profile load --scale 10 --reset\n  eventdb seed --file seeds/example.ts --append\n\n--json prints {"ok", "seed": {profile, seed, now, mode, tables: [{table, rows, ms, rowsPerSec}], totalRows, rowsPerSec}}.')
    .action(
      action<SeedFlags>(async ({ opts, out, config }) => {
        const { findSeedFile, parseProfile, seedDatabase } = await import('../../seed/index.js');
        const profile = opts.profile === undefined ? undefined : parseProfile(opts.profile);
        const scale = integer('--scale', opts.scale, 1);
        if (opts.scale !== '1' && profile !== 'load') throw new EventdbError('USAGE', '--scale applies to --profile load only', 'add --profile load, or drop --scale');
        const seed = integer('--seed', opts.seed, 0);
        const batchSize = integer('--batch-size', opts.batchSize, 1);
        let now: Date | undefined;
        if (opts.now !== undefined) {
          now = new Date(opts.now);
          if (Number.isNaN(now.getTime())) throw new EventdbError('USAGE', `--now is not a date: "${opts.now}"`, 'give an ISO 8601 instant, e.g. --now 2025-06-01T12:00:00Z');
        }
        mark('seed module loaded');
        const cfg = await config();
        mark('config resolved');
        if (opts.file) findSeedFile(opts.file, resolvePath(cfg.cwd, cfg.seedsDir)); // a missing file: exit 2 before any database is opened
        const { getDialect, isServer, openConnection } = await import('../../dialects/index.js');
        // A profile's rows need the platform's tables: a database file that is not there would be created
        // empty by opening it, then refused (SEED_NO_SCHEMA) — refused before, and nothing is created.
        if (!opts.file && !isServer(cfg.database) && !cfg.database.memory && !(await (await getDialect(cfg.database.engine, cfg.database.driver)).exists(cfg))) {
          throw new EventdbError('DB_NOT_FOUND', `database ${cfg.database.display} does not exist`, 'run `eventdb migrate up` first, then seed');
        }
        mark('dialects loaded, file checked');
        const conn = await openConnection(cfg);
        mark('database open');
        const live = !out.json && !out.quiet && !!process.stderr.isTTY;
        let lastDraw = 0;
        const started = Date.now();
        const res = await seedDatabase(conn, cfg, {
          profile,
          scale,
          seed,
          seedGiven: opts.seed !== undefined,
          now,
          append: opts.append,
          reset: opts.reset,
          allowProduction: opts.allowProduction,
          yes: opts.yes,
          file: opts.file,
          batchSize,
          onProgress: live
            ? (p) => {
                const t = Date.now();
                if (t - lastDraw < 100) return;
                lastDraw = t;
                const of = p.expected ? ` of ${fmt(p.expected)}` : '';
                const rate = p.rows / (p.elapsedMs / 1000 || 1e-3);
                out.live(`  ${p.table}: ${fmt(p.rows)}${of} rows, ${fmt(rate)} rows/s  (total ${fmt(p.totalRows)}, ${((t - started) / 1000).toFixed(1)} s)`);
              }
            : undefined,
        }).finally(async () => {
          if (live) out.live();
          await conn.close();
        });
        out.result(true, { seed: res }, () => {
          const what = [res.profile ? `profile ${res.profile}${res.scale ? ` × ${res.scale}` : ''}` : null, res.file ? `file ${res.file}` : null].filter(Boolean).join(' + ');
          if (live) {
            out.line(table(res.tables.map((t) => [t.table, `${fmt(t.rows).padStart(12)} rows  ${fmt(t.rowsPerSec).padStart(10)} rows/s`]), '  '));
            for (const n of res.notes) out.line(`${out.marker('info')} ${n}`);
          }
          const cleared = Object.values(res.cleared).reduce((a, b) => a + b, 0);
          out.line(
            `${out.marker('ok')} seeded ${fmt(res.totalRows)} rows into ${res.tables.length} tables (${what}, seed ${res.seed}, now ${res.now}) in ${(res.ms / 1000).toFixed(1)} s, ${fmt(res.rowsPerSec)} rows/s` +
              (res.mode === 'reset' ? `; reset first (${fmt(cleared)} rows removed)` : res.mode === 'append' ? '; appended to existing data' : ''),
          );
        });
      }),
    );
}
