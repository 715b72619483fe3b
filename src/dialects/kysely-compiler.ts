import type { Dialect as KyselyDialect } from 'kysely';

/**
 * The parts of a Kysely dialect that turn query builders into SQL text: enough to compile a TS
 * migration against a Kysely with no database (`DummyDriver`), as `migrate lint` does. No driver.
 */
export type KyselyCompiler = Pick<KyselyDialect, 'createAdapter' | 'createIntrospector' | 'createQueryCompiler'>;
