import type { ResolvedConfig } from '../config/index.js';
import { EventdbError } from '../errors.js';

/**
 * The production gate for destructive commands. Outside production it passes. In production it
 * passes with --yes; on a terminal it asks for the database name to be typed; without a terminal it
 * refuses (exit 5) and names the flag. It never prompts when stdin is not a TTY.
 */
export async function confirmDestructive(config: ResolvedConfig, action: string, yes: boolean | undefined): Promise<void> {
  if (config.environment !== 'production' || yes) return;
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    throw new EventdbError('PRODUCTION_REFUSED', `refusing to ${action} on production without confirmation`, 're-run with --yes (no prompt is shown without a terminal)');
  }
  const { input } = await import('@inquirer/prompts');
  const answer = await input({ message: `This will ${action} on PRODUCTION database "${config.database.name}". Type its name to continue:` });
  if (answer.trim() !== config.database.name) {
    throw new EventdbError('PRODUCTION_REFUSED', 'the typed name did not match the database name; nothing was changed', `type "${config.database.name}" exactly, or pass --yes`);
  }
}
