import { existsSync } from 'node:fs';
import type { CheckDefinition, CheckOutcome } from '../types.js';
import { needConnection } from './need.js';

/** The fast subset of `validate`: the expected schema's required tables exist (optional ones warn). */
export const schemaCheck: CheckDefinition = {
  name: 'schema',
  needsConnection: true,
  async run(ctx): Promise<CheckOutcome> {
    const conn = needConnection(ctx);
    if (!existsSync(ctx.config.schemaDir)) {
      return { status: 'skipped', message: `no expected schema at ${ctx.config.schemaDir}`, details: { dir: ctx.config.schemaDir } };
    }
    const { loadExpectedSchema } = await import('../../schema/loader.js');
    const expected = await loadExpectedSchema(ctx.config.schemaDir);
    const mine = expected.tables.filter((t) => !t.engines || t.engines.includes(conn.engine));
    const live = await conn.introspect();
    const names = new Set(live.tables.map((t) => t.name.toLowerCase()));
    const missingRequired = mine.filter((t) => t.required && !names.has(t.name.toLowerCase())).map((t) => t.name);
    const missingOptional = mine.filter((t) => !t.required && !names.has(t.name.toLowerCase())).map((t) => t.name);
    const required = mine.filter((t) => t.required).length;
    const details = { required, optional: mine.length - required, missingRequired, missingOptional };
    if (missingRequired.length) {
      return { status: 'fail', message: `${missingRequired.length} required table${missingRequired.length === 1 ? '' : 's'} missing: ${missingRequired.join(', ')}`, details };
    }
    if (missingOptional.length) {
      return { status: 'warn', message: `all ${required} required tables present; optional missing: ${missingOptional.join(', ')}`, details };
    }
    return { status: 'ok', message: `all ${required} required tables present`, details };
  },
};
