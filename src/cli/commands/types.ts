import type { Command } from 'commander';
import { EventdbError } from '../../errors.js';
import { counted } from '../../units.js';
import { action } from '../context.js';

interface TypesFlags {
  out?: string;
  from?: string;
  check?: boolean;
}

/** `eventdb types` (issue 17): a Kysely Database interface from the declaration or the live database. */
export function register(program: Command): void {
  program
    .command('types')
    .description('generate the Kysely Database interface from the declaration (schema/) or the database')
    .option('--out <file>', 'where to write', 'src/database.ts')
    .option('--from <source>', 'schema (the declaration) or database (the live schema)', 'schema')
    .option('--check', 'exit 1 when the file is stale, writing nothing (CI)')
    .addHelpText('after', '\nTypes are for the configured engine. --json prints {"ok", "file", "stale", "tables", …}.')
    .action(
      action<TypesFlags>(async ({ opts, out, config }) => {
        const from = opts.from ?? 'schema';
        if (from !== 'schema' && from !== 'database') throw new EventdbError('USAGE', `unknown --from "${from}"`, 'use --from schema or --from database');
        const cfg = await config();
        const { writeTypes } = await import('../../schema/types-gen/index.js');
        const wopts = { out: opts.out ?? 'src/database.ts', cwd: cfg.cwd, check: !!opts.check };
        let res;
        if (from === 'schema') {
          const { loadExpectedSchema } = await import('../../schema/loader.js');
          const { schemaDir } = await import('../../schema/validate.js');
          res = writeTypes({ schema: await loadExpectedSchema(schemaDir(cfg)), engine: cfg.database.engine }, wopts);
        } else {
          const { openConnection } = await import('../../dialects/index.js');
          const conn = await openConnection(cfg, { readOnly: true });
          try {
            res = writeTypes({ snapshot: await conn.introspect() }, wopts);
          } finally {
            await conn.close();
          }
        }
        const { source, ...shown } = res;
        void source;
        const ok = !(opts.check && res.stale);
        out.result(ok, { ...shown }, () => {
          if (opts.check) out.line(res.stale ? `stale: ${res.file} differs from the ${res.from === 'schema' ? 'declaration' : 'database'} (${counted(res.tables, 'table')}); run \`eventdb types\`` : `up to date: ${res.file} (${counted(res.tables, 'table')})`);
          else out.line(`${res.written ? 'wrote' : 'unchanged'} ${res.file}: ${counted(res.tables, 'table')}, ${res.engine}, from the ${res.from === 'schema' ? 'declaration' : 'database'}`);
        });
        return ok ? 0 : 1;
      }),
    );
}
