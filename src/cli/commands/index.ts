import type { Command } from 'commander';
import { register as info } from './info.js';
import { register as init } from './init.js';
import { register as healthCheck } from './health-check.js';
import { register as prepare } from './prepare.js';
import { register as validate } from './validate.js';
import { register as autoFix } from './auto-fix.js';
import { register as migrate } from './migrate.js';
import { register as rollback } from './rollback.js';
import { register as migrateLint } from './migrate-lint.js';
import { register as seed } from './seed.js';
import { register as backup } from './backup.js';
import { register as restore } from './restore.js';
// schema as code (issue 17)
import { register as schema } from './schema.js';
import { register as types } from './types.js';

/** Every command, registered in help order. A command is added here only when it works. */
export const commands: Array<(program: Command) => void> = [info, init, healthCheck, prepare, validate, autoFix, migrate, rollback, migrateLint, seed, backup, restore, schema, types];
