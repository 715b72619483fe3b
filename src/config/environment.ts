import { EventdbError } from '../errors.js';

export const ENVIRONMENTS = ['development', 'test', 'staging', 'production'] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

const ALIASES: Record<string, Environment> = { dev: 'development', prod: 'production', stage: 'staging' };

export function parseEnvironment(value: string, origin: string): Environment {
  const v = value.trim().toLowerCase();
  const env = (ENVIRONMENTS as readonly string[]).includes(v) ? (v as Environment) : ALIASES[v];
  if (!env) {
    throw new EventdbError(
      'CONFIG',
      `unknown environment "${value}" (from ${origin})`,
      `use one of: ${ENVIRONMENTS.join(', ')}`,
    );
  }
  return env;
}
