import type { Command } from 'commander';
import { join, resolve } from 'node:path';
import { counted } from '../../units.js';
import { action } from '../context.js';

interface PullFlags {
  out?: string;
  force?: boolean;
}

/** `eventdb schema pull` (issue 17): write the connected database's declaration with the authoring API. */
export function register(program: Command): void {
  const schema = program.command('schema').description('schema as code: pull a declaration from the database');
  schema
    .command('pull')
    .description('introspect the database and write its declaration (schema/index.ts) with the authoring API')
    .option('--out <file>', 'where to write (default: index.ts in the schema folder)')
    .option('--force', 'overwrite an existing file')
    .addHelpText('after', '\nRefuses to overwrite an existing file without --force (exit 2). --json prints {"ok", "file", "tables", …}.')
    .action(
      action<PullFlags>(async ({ opts, out, config }) => {
        const cfg = await config();
        const { schemaDir } = await import('../../schema/validate.js');
        const { pullSchema, assertCanWrite } = await import('../../schema/pull/index.js');
        const file = resolve(cfg.cwd, opts.out ?? join(schemaDir(cfg), 'index.ts'));
        assertCanWrite(file, opts.force); // before anything is opened
        const { openConnection } = await import('../../dialects/index.js');
        const conn = await openConnection(cfg, { readOnly: true });
        let res;
        try {
          res = await pullSchema(conn, { out: file, cwd: cfg.cwd, force: opts.force });
        } finally {
          await conn.close();
        }
        out.result(true, { ...res }, () => {
          out.line(`${res.overwritten ? 'replaced' : 'wrote'} ${res.file}: ${counted(res.tables, 'table')}, ${counted(res.columns, 'column')}, ${counted(res.indexes, 'index', 'indexes')}, ${counted(res.foreignKeys, 'foreign key')}, ${counted(res.checks, 'check')}, ${counted(res.enums, 'enum')} (from ${res.engine})`);
          if (res.elsewhere?.length) {
            const n = res.elsewhere.reduce((k, e) => k + e.tables, 0);
            out.line(`${out.marker('warn')} ${n} table${n === 1 ? '' : 's'} in other schemas not pulled (${res.elsewhere.map((e) => `${e.schema}: ${e.tables}`).join(', ')}): eventdb reads the connection's current schema only`);
          }
          if (res.virtualTables?.length) {
            const n = res.virtualTables.length;
            out.line(`${out.marker('warn')} ${n} virtual table${n === 1 ? '' : 's'} not pulled (${res.virtualTables.map((v) => `${v.name}: ${v.module}`).join(', ')}): the declaration has no virtual tables; keep their CREATE VIRTUAL TABLE in a migration`);
          }
          if (res.partitioned?.length) {
            const n = res.partitioned.length;
            out.line(`${out.marker('warn')} ${n} partitioned table${n === 1 ? '' : 's'} declared as plain tables (${res.partitioned.map((p) => `${p.table}: ${p.partitions.length} partition${p.partitions.length === 1 ? '' : 's'}`).join(', ')}): the declaration has no partitioning, so \`migrate diff\` would make them plain tables; write their migration by hand`);
          }
          out.line('next: eventdb validate   (checks the database against it; edit the file to make it your source of truth)');
        });
        return 0;
      }),
    );
}
