import type { Command } from 'commander';
import { EventdbError } from '../../errors.js';
import { action } from '../context.js';

const DEFAULT_URLS: Record<string, string> = {
  sqlite: 'sqlite:./eventdb.sqlite',
  postgres: 'postgres://postgres@127.0.0.1:5432/eventdb',
  duckdb: 'duckdb:./eventdb.duckdb',
  pglite: 'pglite:./eventdb.pglite',
};

interface InitFlags {
  engine?: string;
  store?: string;
  force?: boolean;
}

export function register(program: Command): void {
  program
    .command('init')
    .description('write eventdb.config.json and the migrations/ and schema/ folders (asks on a terminal; flags otherwise)')
    .option('--engine <engine>', 'sqlite, postgres, pglite or duckdb (default: from --url, else sqlite)')
    .option('--store <url>', 'where backups go: file:./backups, s3://bucket/prefix or r2://bucket/prefix', undefined)
    .option('--force', 'overwrite an existing eventdb.config.json')
    .action(
      action<InitFlags>(async ({ opts, out }) => {
        let url = opts.url;
        let store = opts.store;
        const interactive = process.stdin.isTTY && process.stdout.isTTY && !opts.json && !(url || opts.engine);
        if (opts.engine && !DEFAULT_URLS[opts.engine]) {
          throw new EventdbError('USAGE', `unknown engine "${opts.engine}"`, 'use --engine sqlite, postgres, pglite or duckdb');
        }
        if (interactive) {
          const { select, input } = await import('@inquirer/prompts');
          const engine = await select({
            message: 'Database engine',
            choices: [
              { name: 'SQLite (embedded file, zero setup)', value: 'sqlite' },
              { name: 'PostgreSQL (server)', value: 'postgres' },
              { name: 'PGlite (embedded PostgreSQL in a local folder, no server)', value: 'pglite' },
              { name: 'DuckDB (embedded analytics file)', value: 'duckdb' },
            ],
          });
          url = await input({ message: 'Database URL', default: DEFAULT_URLS[engine] });
          store = await input({ message: 'Backup store (file:, s3:// or r2://)', default: store ?? 'file:./backups' });
        }
        url ??= DEFAULT_URLS[opts.engine ?? 'sqlite']!;
        store ??= 'file:./backups';
        const { initProject } = await import('../../config/init.js');
        const r = initProject({ cwd: process.cwd(), url, store, force: opts.force });
        const env = r.passwordsRemoved.includes('url') ? 'DATABASE_URL' : undefined;
        out.result(true, { created: r.created, kept: r.kept, configFile: r.configFile, passwordsRemoved: r.passwordsRemoved, ...(env ? { passwordIn: env } : {}) }, () => {
          for (const c of r.created) out.line(`created ${c}`);
          for (const k of r.kept) out.line(`kept    ${k} (already there)`);
          if (env) out.line(`note: the database password was not written to eventdb.config.json (a file meant to be committed); set ${env} to the full URL, e.g. export ${env}='${url}'`);
          if (r.passwordsRemoved.includes('store')) out.line('note: the store password was not written to eventdb.config.json; give the store credentials in the environment (see the README section "Stores")');
          out.line('next: eventdb migrate create <name>, then eventdb migrate up');
        });
      }),
    );
}
