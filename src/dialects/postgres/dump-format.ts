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
