/**
 * eventdb's own PostgreSQL dump format (`eventdb-pg`), used when no compatible pg_dump is installed.
 * A stream of frames: one type byte, a 4-byte big-endian length, the payload.
 *   H  header (JSON: format version, server version, preData / postData SQL, tables)
 *   T  table start (JSON: schema, name, columns)   D  COPY text data   E  table end (JSON: rows)
 *   S  sequence values (JSON)                       Z  end of dump (JSON: tables → rows)
 */
export const DUMP_MAGIC = 'EVENTDB-PG-DUMP/1\n';

export interface DumpTable {
  schema: string;
  name: string;
  /** Columns in COPY order (generated columns excluded). */
  columns: string[];
}

export interface DumpHeader {
  version: 1;
  server: string;
  preData: string[];
  postData: string[];
  tables: DumpTable[];
}

export interface SequenceValue {
  /** Schema-qualified, quoted. */
  name: string;
  value: string;
  called: boolean;
}

export function frame(type: string, payload: Buffer | string): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeUInt32BE(body.length, 1);
  return Buffer.concat([head, body]);
}

/** Reads frames from a byte stream. Throws on a truncated or malformed stream. */
export async function* readFrames(input: AsyncIterable<Buffer>): AsyncGenerator<{ type: string; body: Buffer }> {
  let buf: Buffer = Buffer.alloc(0);
  let magicSeen = false;
  for await (const chunk of input) {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    if (!magicSeen) {
      if (buf.length < DUMP_MAGIC.length) continue;
      if (buf.subarray(0, DUMP_MAGIC.length).toString('latin1') !== DUMP_MAGIC) throw new DumpFormatError('not an eventdb PostgreSQL dump');
      buf = buf.subarray(DUMP_MAGIC.length);
      magicSeen = true;
    }
    let off = 0;
    while (buf.length - off >= 5) {
      const len = buf.readUInt32BE(off + 1);
      const type = String.fromCharCode(buf[off]!);
      if (!'HTDESZ'.includes(type) || len > MAX_FRAME) throw new DumpFormatError(`a frame is malformed (type ${JSON.stringify(type)}, ${len} bytes)`);
      if (buf.length - off - 5 < len) break;
      yield { type, body: buf.subarray(off + 5, off + 5 + len) };
      off += 5 + len;
    }
    buf = buf.subarray(off);
  }
  if (!magicSeen || buf.length > 0) throw new DumpFormatError('the dump is truncated');
}

/** A frame larger than this is damage, not data (frames are written at 1 MiB; the header holds the schema). */
export const MAX_FRAME = 256 * 1024 * 1024;

/** A malformed dump: the error every reader throws (the shell shows it as one `error:` line). */
export class DumpFormatError extends Error {}

function json(body: Buffer, what: string): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new DumpFormatError(`its ${what} frame is not JSON`);
  }
}

const strings = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');

/** The H frame, checked: a dump is read from a store and untrusted. */
export function parseHeader(body: Buffer): DumpHeader {
  const h = json(body, 'header') as Partial<DumpHeader> | null;
  if (!h || typeof h !== 'object' || !strings(h.preData) || !strings(h.postData)) throw new DumpFormatError('its header frame is invalid');
  return h as DumpHeader;
}

/** A T frame, checked. */
export function parseTable(body: Buffer): DumpTable {
  const t = json(body, 'table') as Partial<DumpTable> | null;
  if (!t || typeof t !== 'object' || typeof t.schema !== 'string' || typeof t.name !== 'string' || !strings(t.columns)) throw new DumpFormatError('a table frame is invalid');
  return t as DumpTable;
}

/** An S frame, checked. */
export function parseSequences(body: Buffer): SequenceValue[] {
  const s = json(body, 'sequence') as SequenceValue[] | null;
  if (!Array.isArray(s) || !s.every((x) => x && typeof x.name === 'string' && /^-?\d+$/.test(String(x.value)) && typeof x.called === 'boolean')) throw new DumpFormatError('a sequence frame is invalid');
  return s;
}

/** A quoted identifier as the dump's DDL writes it (always quoted, inner quotes doubled). */
const QUOTED = '"(?:[^"]|"")*"';
const unquote = (q: string): string => (q.startsWith('"') ? q.slice(1, -1).replace(/""/g, '"') : q);
/** `create table "s"."t" (` — the statement's table; a partition (`… partition of …`) has no column list. */
const CREATE_TABLE = new RegExp(`^create table (${QUOTED})\\.(${QUOTED}) \\(`);
/** An identity column written without `(sequence name …)`, as dumps before the name was kept wrote them all. */
const UNNAMED_IDENTITY = new RegExp(`(?:\\(|, )(${QUOTED}) (?:smallint|integer|bigint) generated (?:always|by default) as identity(?! \\()`, 'g');

/**
 * The name PostgreSQL gives a new identity column's sequence (ChooseRelationName → makeObjectName):
 * `<table>_<column>_seq`, the longer of the two names shortened a byte at a time to fit 63 bytes (never
 * inside a character), `seq1`, `seq2` … when the name is taken.
 */
export function defaultSequenceName(table: string, column: string, pass = 0): string {
  const label = pass === 0 ? 'seq' : `seq${pass}`;
  const a = Buffer.from(table, 'utf8');
  const b = Buffer.from(column, 'utf8');
  const avail = 63 - (label.length + 2);
  let n1 = a.length;
  let n2 = b.length;
  while (n1 + n2 > avail) {
    if (n1 > n2) n1--;
    else n2--;
  }
  return `${clip(a, n1)}_${clip(b, n2)}_${label}`;
}

/** The first `n` bytes of a UTF-8 name, shortened to a whole character. */
function clip(b: Buffer, n: number): string {
  while (n > 0 && n < b.length && (b[n]! & 0xc0) === 0x80) n--;
  return b.subarray(0, n).toString('utf8');
}

/**
 * Throws when the dump cannot be loaded because a sequence it sets would not exist: an identity column
 * written without its sequence's name gets PostgreSQL's default name on load, so when the S frame (every
 * sequence of the source) does not set that name, the source's sequence had another one (its table,
 * column or sequence renamed since) and the load fails setting it (`relation "public.t_new_id_seq" does not
 * exist`). Dumps by eventdb before the name was kept; checked by `backup verify` without a database.
 * Names with other than ASCII characters are not checked (their byte length depends on the database's encoding).
 */
export function checkIdentitySequences(header: DumpHeader, sequences: readonly SequenceValue[]): void {
  const set = new Set(sequences.map((s) => sequenceKey(s.name)));
  for (const stmt of header.preData) {
    const t = CREATE_TABLE.exec(stmt);
    if (!t) continue;
    const [schema, table] = [unquote(t[1]!), unquote(t[2]!)];
    for (const m of stmt.matchAll(UNNAMED_IDENTITY)) {
      const column = unquote(m[1]!);
      if (/[^\x20-\x7e]/.test(table + column)) continue;
      const names = Array.from({ length: 10 }, (_, pass) => defaultSequenceName(table, column, pass));
      if (names.some((n) => set.has(`${schema}\u0000${n}`))) continue;
      throw new DumpFormatError(
        `identity column ${schema}.${table}.${column}: a load names its sequence ${schema}.${names[0]}, but the dump sets no such sequence — ` +
          "the source's had another name (its table, column or sequence renamed since), which this dump (by an older eventdb) did not keep; the load would fail",
      );
    }
  }
}

/** `schema\0name` of an S frame's name (each part as quote_ident wrote it). */
function sequenceKey(qualified: string): string {
  const m = new RegExp(`^(${QUOTED}|[^."]+)\\.(${QUOTED}|[^."]+)$`).exec(qualified);
  return m ? `${unquote(m[1]!)}\u0000${unquote(m[2]!)}` : qualified;
}
