import { EventdbError } from '../errors.js';
import { normalizeText } from './checksum.js';
import { stripComments } from './split.js';

export interface SqlMigrationFile {
  up: string;
  /** Undefined when there is no `-- eventdb:down` section, or it holds no SQL. */
  down?: string;
  dependsOn: string[];
  transaction: boolean;
  description?: string;
}

const DIRECTIVE = /^\s*--\s*eventdb:([a-z-]+)\b(.*)$/i;
/** Directives other modules read (the risk gate); accepted here without meaning. */
const PASSIVE = new Set(['risk-accepted']);

/**
 * Reads an SQL migration: header lines (`-- eventdb:depends-on ID…`, `-- eventdb:no-transaction`,
 * `-- eventdb:description …`) then an `-- eventdb:up` section and an optional `-- eventdb:down`
 * section. Throws EventdbError (exit 1) naming the file and line for anything malformed.
 */
export function parseSqlMigration(rawText: string, file: string): SqlMigrationFile {
  const text = normalizeText(rawText);
  if (!/\S/.test(text)) throw new EventdbError('EMPTY_MIGRATION', `${file} is empty`, 'write an `-- eventdb:up` section with SQL (and `-- eventdb:down` to undo it), or delete the file');
  const lines = text.split('\n');
  const res: SqlMigrationFile = { up: '', dependsOn: [], transaction: true };
  let section: 'header' | 'up' | 'down' = 'header';
  const up: string[] = [];
  const down: string[] = [];
  let sawUp = false;
  let sawDown = false;
  lines.forEach((line, i) => {
    const m = DIRECTIVE.exec(line);
    const where = `${file}:${i + 1}`;
    if (m) {
      const name = m[1]!.toLowerCase();
      const arg = m[2]!.trim();
      switch (name) {
        case 'up':
          if (sawUp) throw new EventdbError('BAD_MIGRATION', `${where}: a second \`-- eventdb:up\` marker`, 'a file has one up section and at most one down section');
          if (sawDown) throw new EventdbError('BAD_MIGRATION', `${where}: \`-- eventdb:up\` after \`-- eventdb:down\``, 'put the up section first, then the down section');
          sawUp = true;
          section = 'up';
          return;
        case 'down':
          if (sawDown) throw new EventdbError('BAD_MIGRATION', `${where}: a second \`-- eventdb:down\` marker`, 'a file has one up section and at most one down section');
          if (!sawUp) throw new EventdbError('BAD_MIGRATION', `${where}: \`-- eventdb:down\` before \`-- eventdb:up\``, 'put the up section first, then the down section');
          sawDown = true;
          section = 'down';
          return;
        case 'depends-on':
          if (section !== 'header') throw new EventdbError('BAD_MIGRATION', `${where}: \`-- eventdb:depends-on\` inside a section`, 'put header lines before `-- eventdb:up`');
          if (!arg) throw new EventdbError('BAD_MIGRATION', `${where}: \`-- eventdb:depends-on\` without a migration ID`, 'write `-- eventdb:depends-on 0005_venues` (several IDs may be separated by spaces or commas)');
          res.dependsOn.push(...arg.split(/[\s,]+/).filter(Boolean));
          return;
        case 'no-transaction':
          if (section !== 'header') throw new EventdbError('BAD_MIGRATION', `${where}: \`-- eventdb:no-transaction\` inside a section`, 'put header lines before `-- eventdb:up`');
          res.transaction = false;
          return;
        case 'description':
          res.description = arg;
          return;
        default:
          if (PASSIVE.has(name) || name.startsWith('risk-')) break;
          throw new EventdbError('BAD_MIGRATION', `${where}: unknown directive \`-- eventdb:${name}\``, 'known directives: up, down, depends-on, no-transaction, description, risk-accepted');
      }
    }
    if (section === 'up') up.push(line);
    else if (section === 'down') down.push(line);
    else if (/\S/.test(stripComments(line))) {
      throw new EventdbError('BAD_MIGRATION', `${where}: SQL before the \`-- eventdb:up\` marker`, 'start the SQL with a line `-- eventdb:up` (and `-- eventdb:down` before the undo SQL)');
    }
  });
  if (!sawUp) {
    throw new EventdbError('NO_SECTIONS', `${file} has no \`-- eventdb:up\` section`, 'mark the SQL with a line `-- eventdb:up`, and the undo SQL with `-- eventdb:down`');
  }
  res.up = up.join('\n').trim();
  if (!/\S/.test(stripComments(res.up))) throw new EventdbError('EMPTY_MIGRATION', `${file}: the \`-- eventdb:up\` section has no SQL`, 'write the SQL under `-- eventdb:up`, or delete the file');
  const d = down.join('\n').trim();
  if (/\S/.test(stripComments(d))) res.down = d;
  return res;
}
