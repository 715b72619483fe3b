import { EventdbError } from '../errors.js';
import { normalizeText } from './checksum.js';
import { stripComments } from './split.js';

export interface SqlMigrationFile {
  /** The up section's SQL; empty for an explicit no-op (an empty section, or `-- eventdb:noop`). */
  up: string;
  /**
   * The down section's SQL. Undefined when there is no `-- eventdb:down` section or it holds no SQL
   * (irreversible); empty for an explicit no-op down (`-- eventdb:noop` in the section, or in the header).
   */
  down?: string;
  dependsOn: string[];
  transaction: boolean;
  description?: string;
  /** 1-based line of the up section's first line of text (after its marker). */
  upLine?: number;
  /** 1-based line of the down section's first line of text, when there is a down section. */
  downLine?: number;
  /** True when the up section runs nothing (recorded as applied all the same). */
  noop?: boolean;
  /**
   * Every `-- eventdb:risk-accepted …` line, anywhere in the file: its 1-based line and the text
   * after the directive's name. The risk gate and lint read them (src/risk/sql-file.ts); the
   * migrator gives them no meaning.
   */
  riskAccepted: RiskAcceptedLine[];
  /** Lenient reading only: the file has no section marker and was read as bare SQL, all of it `up`. */
  bare?: boolean;
}

export interface RiskAcceptedLine {
  line: number;
  /** What follows `eventdb:risk-accepted` on the line, e.g. ` lock-table "small table"`. */
  args: string;
}

export interface SqlMigrationParseOptions {
  /**
   * Strict (default; `migrate up`, `rollback`, `status`): a text without a section marker is plain SQL
   * (all of it `up`, no down) when it holds SQL and no header directive but `no-transaction` and
   * `risk-…` (isPlainSql); otherwise it is refused (NO_SECTIONS, or SQL before the marker). Lenient
   * (`migrate lint`, library callers analysing SQL text): any text without a section marker is bare
   * SQL — all of it `up`, its `-- eventdb:no-transaction` and `-- eventdb:risk-accepted` lines read,
   * other directives left as comments. A text with a marker (eventdb's or another tool's, FOREIGN) is
   * read strictly either way, so lint refuses what up refuses.
   */
  lenient?: boolean;
}

const DIRECTIVE = /^\s*--\s*eventdb:([a-z-]+)\b(.*)$/i;
/**
 * Other tools' section markers, read as eventdb's so their histories run as they are: dbmate
 * (`-- migrate:up transaction:false`, `-- migrate:down`), goose (`-- +goose Up`, `-- +goose Down`,
 * `-- +goose NO TRANSACTION`) and sql-migrate (`-- +migrate Up notransaction`, `-- +migrate Down`).
 * Their StatementBegin/StatementEnd lines are comments here: eventdb's splitter reads function bodies.
 */
const FOREIGN = /^\s*--\s*(?:migrate:(up|down)\b(.*)|\+goose\s+(up|down|no\s+transaction)\b(.*)|\+migrate\s+(up|down)\b(.*))$/i;
/** A section marker anywhere in the text: without one, a lenient reading takes the text as bare SQL. */
const MARKER = /^\s*--\s*(?:eventdb:(up|down)\b|migrate:(up|down)\b|\+goose\s+(up|down)\b|\+migrate\s+(up|down)\b)/im;
/** A directive that a plain SQL file (no section marker) may hold: it keeps its meaning there. */
const BARE_DIRECTIVE = /^(no-transaction|risk-[a-z-]+)$/;

/**
 * A line's directive, eventdb's own or another tool's marker translated (FOREIGN): its name, its
 * argument, and whether it asks for no transaction (dbmate's `transaction:false`, sql-migrate's
 * `notransaction`, goose's `NO TRANSACTION`).
 */
function directiveOf(line: string): { name: string; arg: string; noTransaction?: boolean } | undefined {
  const own = DIRECTIVE.exec(line);
  if (own) return { name: own[1]!.toLowerCase(), arg: own[2]! };
  if (!line.includes('migrate') && !line.includes('goose')) return undefined;
  const f = FOREIGN.exec(line);
  if (!f) return undefined;
  if (f[1]) return { name: f[1].toLowerCase(), arg: '', noTransaction: /\btransaction:\s*false\b/i.test(f[2]!) };
  if (f[3]) return /^no/i.test(f[3]) ? { name: 'no-transaction', arg: '' } : { name: f[3].toLowerCase(), arg: '' };
  return { name: f[5]!.toLowerCase(), arg: '', noTransaction: /\bnotransaction\b/i.test(f[6]!) };
}

/** Whether a (normalised) text holds any SQL: something besides comments and white space. */
export function hasSql(text: string): boolean {
  return /\S/.test(stripComments(text));
}

/**
 * A text without a section marker that strict reading still takes, as plain SQL all of it `up` (what
 * Flyway, sqlx, Prisma and golang-migrate's up files are): it holds SQL, and no eventdb directive
 * but `no-transaction` and `risk-…` (a `depends-on` or `description` without `-- eventdb:up` stays an
 * error rather than being dropped).
 */
function isPlainSql(text: string): boolean {
  if (!hasSql(text)) return false;
  if (!text.includes('eventdb:')) return true;
  return text.split('\n').every((l) => {
    const d = DIRECTIVE.exec(l);
    return !d || BARE_DIRECTIVE.test(d[1]!.toLowerCase());
  });
}
/** Read on every line, whatever the section or comment state (as the risk gate always has). */
const RISK_ACCEPTED = /^\s*--\s*eventdb:risk-accepted\b(.*)$/;
/**
 * `\restrict KEY` / `\unrestrict KEY`: psql meta-commands that pg_dump (15.14, 16.10, 17.6 and
 * later) writes around every plain dump so psql runs no other meta-command inside it. They are
 * not SQL; eventdb runs no meta-commands at all, so they are read as blank lines.
 */
const PSQL_RESTRICT = /^\s*\\(un)?restrict(\s+\S+)?\s*$/;
/** Directives other modules read (the risk gate); accepted here without meaning. */
const PASSIVE = new Set(['risk-accepted']);

/**
 * Whether a header line holds anything but comments, given whether it starts inside a `/* *\/`
 * comment (nesting counted, as PostgreSQL does); returns the state at the line's end.
 */
function headerLine(line: string, depth: number): { sql: boolean; depth: number } {
  let sqlSeen = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    const next = line[i + 1];
    if (depth > 0) {
      if (c === '*' && next === '/') {
        depth--;
        i++;
      } else if (c === '/' && next === '*') {
        depth++;
        i++;
      }
      continue;
    }
    if (c === '-' && next === '-') break;
    if (c === '/' && next === '*') {
      depth++;
      i++;
      continue;
    }
    if (!/\s/.test(c)) sqlSeen = true;
  }
  return { sql: sqlSeen, depth };
}

/**
 * Reads an SQL migration: header lines (`-- eventdb:depends-on ID…`, `-- eventdb:no-transaction`,
 * `-- eventdb:description …`, `-- eventdb:noop`; comments of either kind, `/* … *\/` over several
 * lines too) then an `-- eventdb:up` section and an optional `-- eventdb:down` section. pg_dump's
 * `\restrict` / `\unrestrict` lines are ignored (PSQL_RESTRICT).
 *
 * Empty sections: an up section with no SQL (nothing, or only comments), or `-- eventdb:noop`, is
 * a no-op that is recorded as applied. A down section with no SQL counts as no down (the
 * migration is irreversible) unless it says `-- eventdb:noop` — undoing needs nothing. A
 * `-- eventdb:noop` header makes both directions no-ops. Throws EventdbError (exit 1) naming the
 * file and line for anything malformed. Strict by default; `opts.lenient` reads a text without
 * section markers as bare SQL (SqlMigrationParseOptions) — the one parser of the format for the
 * migrator, the risk gate and lint.
 */
export function parseSqlMigration(rawText: string, file: string, opts: SqlMigrationParseOptions = {}): SqlMigrationFile {
  const text = normalizeText(rawText);
  if (!MARKER.test(text) && (opts.lenient || isPlainSql(text))) return parseBare(text);
  if (!/\S/.test(text)) throw new EventdbError('EMPTY_MIGRATION', `${file} is empty`, 'write an `-- eventdb:up` section with SQL (and `-- eventdb:down` to undo it), or delete the file');
  const lines = text.split('\n');
  const res: SqlMigrationFile = { up: '', dependsOn: [], transaction: true, riskAccepted: [] };
  let section: 'header' | 'up' | 'down' = 'header';
  const up: string[] = [];
  const down: string[] = [];
  let sawUp = false;
  let sawDown = false;
  let upAt = 0;
  let downAt = 0;
  const noop = { header: false, up: false, down: false };
  let depth = 0;
  lines.forEach((raw, i) => {
    const accepted = raw.includes('eventdb:risk-accepted') ? RISK_ACCEPTED.exec(raw) : null;
    if (accepted) res.riskAccepted.push({ line: i + 1, args: accepted[1]! });
    const line = PSQL_RESTRICT.test(raw) ? '' : raw; // pg_dump's psql-only guard lines
    const where = `${file}:${i + 1}`;
    // Inside a header block comment every line is comment, `-- eventdb:` lines included.
    const m = section === 'header' && depth > 0 ? undefined : directiveOf(line);
    if (m) {
      const { name } = m;
      const arg = m.arg.trim();
      if (m.noTransaction) res.transaction = false;
      switch (name) {
        case 'up':
          if (sawUp) throw new EventdbError('BAD_MIGRATION', `${where}: a second \`-- eventdb:up\` marker`, 'a file has one up section and at most one down section');
          if (sawDown) throw new EventdbError('BAD_MIGRATION', `${where}: \`-- eventdb:up\` after \`-- eventdb:down\``, 'put the up section first, then the down section');
          sawUp = true;
          section = 'up';
          upAt = i + 2;
          return;
        case 'down':
          if (sawDown) throw new EventdbError('BAD_MIGRATION', `${where}: a second \`-- eventdb:down\` marker`, 'a file has one up section and at most one down section');
          if (!sawUp) throw new EventdbError('BAD_MIGRATION', `${where}: \`-- eventdb:down\` before \`-- eventdb:up\``, 'put the up section first, then the down section');
          sawDown = true;
          section = 'down';
          downAt = i + 2;
          return;
        case 'noop':
          noop[section] = true;
          return;
        case 'depends-on':
          if (section !== 'header') throw new EventdbError('BAD_MIGRATION', `${where}: \`-- eventdb:depends-on\` inside a section`, 'put header lines before `-- eventdb:up`');
          if (!arg) throw new EventdbError('BAD_MIGRATION', `${where}: \`-- eventdb:depends-on\` without a migration ID`, 'write `-- eventdb:depends-on 0005_venues` (several IDs may be separated by spaces or commas)');
          res.dependsOn.push(...arg.split(/[\s,]+/).filter(Boolean));
          return;
        case 'no-transaction':
          if (section !== 'header' && !line.includes('goose')) throw new EventdbError('BAD_MIGRATION', `${where}: \`-- eventdb:no-transaction\` inside a section`, 'put header lines before `-- eventdb:up`');
          res.transaction = false;
          return;
        case 'description':
          res.description = arg;
          return;
        default:
          if (PASSIVE.has(name) || name.startsWith('risk-')) break;
          throw new EventdbError('BAD_MIGRATION', `${where}: unknown directive \`-- eventdb:${name}\``, 'known directives: up, down, noop, depends-on, no-transaction, description, risk-accepted');
      }
    }
    if (section === 'up') up.push(line);
    else if (section === 'down') down.push(line);
    else {
      const h = headerLine(line, depth);
      depth = h.depth;
      if (h.sql) throw new EventdbError('BAD_MIGRATION', `${where}: SQL before the \`-- eventdb:up\` marker`, 'start the SQL with a line `-- eventdb:up` (and `-- eventdb:down` before the undo SQL)');
    }
  });
  if (!sawUp && !noop.header) {
    throw new EventdbError('NO_SECTIONS', `${file} has no \`-- eventdb:up\` section`, 'mark the SQL with a line `-- eventdb:up`, and the undo SQL with `-- eventdb:down`');
  }
  const upText = up.join('\n');
  const downText = down.join('\n');
  if ((noop.header || noop.up) && hasSql(upText)) throw new EventdbError('BAD_MIGRATION', `${file}: \`-- eventdb:noop\` and SQL in the up section`, 'remove the SQL or the `-- eventdb:noop` line');
  if ((noop.header || noop.down) && hasSql(downText)) throw new EventdbError('BAD_MIGRATION', `${file}: \`-- eventdb:noop\` and SQL in the down section`, 'remove the SQL or the `-- eventdb:noop` line');
  if (sawUp) res.upLine = upAt + leadingBlank(up);
  res.up = hasSql(upText) ? upText.trim() : '';
  res.noop = res.up === '';
  if (hasSql(downText)) res.down = downText.trim();
  else if (noop.header || noop.down) res.down = '';
  if (sawDown) res.downLine = downAt + leadingBlank(down);
  return res;
}

/** Lenient reading of a text without section markers: all of it is `up`, from line 1. */
function parseBare(text: string): SqlMigrationFile {
  const res: SqlMigrationFile = { up: text, upLine: 1, dependsOn: [], transaction: true, riskAccepted: [], bare: true };
  if (!text.includes('eventdb:')) return res;
  text.split('\n').forEach((raw, i) => {
    const accepted = raw.includes('eventdb:risk-accepted') ? RISK_ACCEPTED.exec(raw) : null;
    if (accepted) res.riskAccepted.push({ line: i + 1, args: accepted[1]! });
    else if (/^\s*--\s*eventdb:no-transaction\s*$/.test(raw)) res.transaction = false;
  });
  return res;
}

function leadingBlank(lines: string[]): number {
  let n = 0;
  while (n < lines.length - 1 && !/\S/.test(lines[n]!)) n++;
  return n;
}
