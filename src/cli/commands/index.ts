import type { Command } from 'commander';
import { register as info } from './info.js';
import { register as init } from './init.js';
import { register as healthCheck } from './health-check.js';

/** Every command, registered in help order. A command is added here only when it works. */
export const commands: Array<(program: Command) => void> = [info, init, healthCheck];
