import { Command } from 'commander';
import { commands } from './commands/index.js';
import { VERSION } from '../version.js';

/** The commander program: global options (accepted before or after the command) and every command. */
export function buildProgram(): Command {
  const program = new Command('eventdb')
    .description('Database operations for the event platform: migrations, risk, validation, backups, health and seed data on PostgreSQL, SQLite and DuckDB.')
    .version(VERSION, '-V, --version', 'print the eventdb version')
    .option('--url <url>', 'database URL or path (overrides EVENTDB_DATABASE_URL, DATABASE_URL and the config file)')
    .option('--env <name>', 'environment: development, test, staging, production (default: EVENTDB_ENV, NODE_ENV, else development)')
    .option('--config <path>', 'config file (default: eventdb.config.json/.ts/.mjs found upwards from the working directory)')
    .option('--json', 'print one JSON object on stdout instead of text')
    .option('--verbose', 'print stack traces and driver detail on errors')
    .option('-q, --quiet', 'print only errors')
    .option('--no-color', 'no colours or emoji (also NO_COLOR=1)')
    .option('-y, --yes', 'confirm destructive actions without a prompt (required without a terminal)')
    .showSuggestionAfterError(true)
    .showHelpAfterError(false)
    .allowExcessArguments(false);
  for (const register of commands) register(program);
  return program;
}
