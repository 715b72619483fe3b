import type { Command } from 'commander';
import { action } from '../context.js';
import { table } from '../output.js';

export function register(program: Command): void {
  program
    .command('info')
    .description('show the resolved database, environment and settings, and where each setting came from')
    .action(
      action(async ({ out, config }) => {
        const cfg = await config();
        const { describeDatabase } = await import('../../info.js');
        const info = await describeDatabase(cfg);
        out.result(true, { ...info }, () => {
          const db = info.database;
          const where = db.isDefault ? '  (default: embedded SQLite file; set --url or DATABASE_URL to change)' : '';
          out.line(
            table([
              ['engine', `${info.engine}${info.driver !== info.engine ? ` (${info.driver})` : ''}`],
              ['version', info.serverVersion ?? 'unknown'],
              ['database', `${info.url}${where}`],
              ['exists', db.exists ? 'yes' : db.memory ? 'in memory' : `no${db.missing ? ` — ${db.missing}` : ''}`],
              ['environment', info.environment],
              ['config file', info.configFile ?? 'none'],
              ['capabilities', Object.entries(info.capabilities).filter(([, v]) => v).map(([k]) => k).join(', ')],
            ]),
          );
          out.line('');
          out.line('settings');
          out.line(table(Object.entries(info.settings).map(([k, v]) => [k, `${v.value === null ? '-' : String(v.value)}  (${v.source})`]), '  '));
        });
      }),
    );
}
