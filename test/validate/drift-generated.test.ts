/**
 * The drift check compares generated columns (issue 17): a generated column whose expression was
 * changed by hand (dropped and added again, or the table recreated), or a plain column where the
 * migrations make a generated one, is a `drift-generated` warning naming both definitions.
 */
import { expect, it } from 'vitest';
import type { Engine } from '../../src/config/url.js';
import { openDatabase } from '../../src/index.js';
import { validateDatabase } from '../../src/schema/validate.js';
import { describeEngines } from '../helpers/engines.js';
import { exec } from './fixture.js';

/** PostgreSQL has only stored generated columns; DuckDB only virtual ones; SQLite both. */
const kind = (engine: Engine) => (engine === 'postgres' ? ' stored' : '');
const table = (engine: Engine, total: string, extra = '') => `create table items (id integer primary key, price integer not null, qty integer not null, total integer generated always as (${total})${kind(engine)}${extra})`;

describeEngines('validate: drift of a generated column', (fx) => {
  const opts = { expected: null, migrations: false as const, drift: true };
  const drift = (r: Awaited<ReturnType<typeof validateDatabase>>) => r.findings.filter((f) => f.check === 'drift').map((f) => `${f.level}:${f.kind}:${f.object}`);

  it('a changed expression is reported; the same one is not', async () => {
    const config = await fx.config();
    const conn = await openDatabase(config);
    try {
      const made = [table(fx.engine, 'price * qty')];
      const replay = async (scratch: typeof conn) => exec(scratch, made);
      await exec(conn, made);
      expect(drift(await validateDatabase(conn, config, { ...opts, replay }))).toEqual(['ok:drift-none:schema']);

      await exec(conn, ['drop table items', table(fx.engine, 'price + qty')]);
      const r = await validateDatabase(conn, config, { ...opts, replay });
      expect(drift(r)).toEqual(['warning:drift-generated:column items.total']);
      const f = r.findings.find((x) => x.kind === 'drift-generated')!;
      expect(f.message).toMatch(/^column items\.total is generated always as \(.*price \+ qty.*\) (stored|virtual); the migrations make it generated always as \(.*price \* qty.*\) (stored|virtual)$/);
    } finally {
      await conn.close();
    }
  });

  it('a plain column where the migrations make a generated one is reported', async () => {
    const config = await fx.config();
    const conn = await openDatabase(config);
    try {
      const replay = async (scratch: typeof conn) => exec(scratch, [table(fx.engine, 'price * qty')]);
      await exec(conn, ['create table items (id integer primary key, price integer not null, qty integer not null, total integer)']);
      const r = await validateDatabase(conn, config, { ...opts, replay });
      expect(drift(r)).toEqual(['warning:drift-generated:column items.total']);
      expect(r.findings.find((x) => x.kind === 'drift-generated')!.message).toMatch(/^column items\.total is not generated; the migrations make it generated always as \(/);
    } finally {
      await conn.close();
    }
  });
});
