/**
 * Rows encoded as a BoundBatch (src/dialects/types.ts) for an engine that binds values
 * (Connection.bulkInsertBound): what the seed's worker thread makes of the generators' rows, so that
 * the loading thread only fills a statement's parameters. The values are converted as SQLite binds
 * them: undefined → NULL, boolean → 1/0, Date → ISO 8601 UTC text (isoUtc), bigint → its digits
 * (bound as an integer), another object → its JSON. A byte array (BLOB) has no encoding: it throws.
 */
import { BIGINT, NULL, NUMBER, TEXT, type BoundBatch } from '../dialects/types.js';
import { withRoom } from './grow.js';
import { CLOCK, isoDayPrefix, isoUtc, MAX_4_DIGIT_YEAR, splitClock } from '../iso-utc.js';

const DAY_MS = 86_400_000;

/**
 * A batch as the writer leaves it: BoundBatch's arrays, and its text still as bytes (UTF-8; Latin-1
 * when `wide` is false, all ASCII). Its arrays can be views of shared memory: another thread decodes
 * it (decodeBatch) without anything copied on the way.
 */
export interface EncodedBatch {
  rows: number;
  width: number;
  kinds: Uint8Array;
  nums: Float64Array;
  ends: Int32Array;
  bytes: Uint8Array;
  wide: boolean;
}

/** Where a batch's memory comes from: arrays for `n` values (`width × capacity`) and a buffer for its text (it grows past it if need be). */
export type BatchArrays = (n: number) => { kinds: Uint8Array; nums: Float64Array; ends: Int32Array; bytes: Buffer };

const freshArrays: BatchArrays = (n) => ({ kinds: new Uint8Array(n), nums: new Float64Array(n), ends: new Int32Array(n), bytes: Buffer.allocUnsafe(1 << 20) });

/** The batch the engine binds: its text decoded into one string. */
export function decodeBatch(e: EncodedBatch): BoundBatch {
  const text = Buffer.from(e.bytes.buffer, e.bytes.byteOffset, e.bytes.byteLength).toString(e.wide ? 'utf8' : 'latin1');
  return { rows: e.rows, width: e.width, kinds: e.kinds, nums: e.nums, ends: e.ends, text };
}

/** Appends rows (the values at `pick`, in that order) until `take()` hands the batch over. */
export class BoundBatchWriter {
  private kinds: Uint8Array = new Uint8Array(0);
  private nums: Float64Array = new Float64Array(0);
  private ends: Int32Array = new Int32Array(0);
  /** Whether the batch has its memory (asked for at its first row, so a slot is taken only when needed). */
  private open = false;
  /** The batch's text as UTF-8; `end` counts its UTF-16 units. */
  private bytes: Buffer = Buffer.alloc(0);
  private at = 0;
  /** Whether a text of the batch is not ASCII (then its bytes are decoded as UTF-8, else as Latin-1: faster). */
  private wide = false;
  private end = 0;
  private k = 0;
  /** Rows appended since the last take(). */
  rows = 0;

  constructor(
    private readonly width: number,
    private readonly capacity: number,
    private readonly arrays: BatchArrays = freshArrays,
  ) {}

  /**
   * Appends a text: ASCII a byte at a time, the rest through the UTF-8 encoder. No string is kept
   * (kept, a batch's strings outlive the young generation and cost the collector more than the
   * copy). Decoded (decodeBatch), the text has the same UTF-16 length (a lone surrogate becomes U+FFFD,
   * as it does when bound as UTF-8).
   */
  private str(s: string, kind: number): void {
    const n = s.length;
    this.room(n * 3);
    const buf = this.bytes;
    let at = this.at;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 128) {
        at += buf.write(i ? s.slice(i) : s, at, 'utf8');
        this.wide = true;
        break;
      }
      buf[at++] = c;
    }
    this.at = at;
    this.end += n;
    this.kinds[this.k] = kind;
    this.ends[this.k++] = this.end;
  }

  private room(n: number): void {
    this.bytes = withRoom(this.bytes, this.at, n);
  }

  /** A Date as isoUtc's text, its bytes written directly (no string made); outside years 1970–9999 through isoUtc. */
  private date(v: Date): void {
    const ms = v.getTime();
    if (!(ms >= 0 && ms <= MAX_4_DIGIT_YEAR)) return this.str(isoUtc(v), TEXT);
    this.room(24);
    const buf = this.bytes;
    let at = this.at;
    const day = Math.floor(ms / DAY_MS);
    const prefix = isoDayPrefix(day);
    for (let i = 0; i < 11; i++) buf[at++] = prefix.charCodeAt(i);
    splitClock(ms - day * DAY_MS);
    const h = CLOCK[0]!;
    const m = CLOCK[1]!;
    const sec = CLOCK[2]!;
    const rem = CLOCK[3]!;
    buf[at++] = 48 + ((h / 10) | 0);
    buf[at++] = 48 + (h % 10);
    buf[at++] = 58;
    buf[at++] = 48 + ((m / 10) | 0);
    buf[at++] = 48 + (m % 10);
    buf[at++] = 58;
    buf[at++] = 48 + ((sec / 10) | 0);
    buf[at++] = 48 + (sec % 10);
    buf[at++] = 46;
    buf[at++] = 48 + ((rem / 100) | 0);
    buf[at++] = 48 + (((rem / 10) | 0) % 10);
    buf[at++] = 48 + (rem % 10);
    buf[at++] = 90;
    this.at = at;
    this.end += 24;
    this.kinds[this.k] = TEXT;
    this.ends[this.k++] = this.end;
  }

  /** Appends one row; the batch holds at most `capacity` rows (take() it when full). */
  row(row: readonly unknown[], pick: readonly number[]): void {
    if (this.rows >= this.capacity) throw new Error('the batch is full');
    if (pick.length !== this.width) throw new Error(`a row of ${pick.length} values for ${this.width} columns`);
    if (!this.open) {
      ({ kinds: this.kinds, nums: this.nums, ends: this.ends, bytes: this.bytes } = this.arrays(this.width * this.capacity));
      this.open = true;
    }
    for (let i = 0; i < pick.length; i++) {
      const v = row[pick[i]!];
      switch (typeof v) {
        case 'number':
          this.kinds[this.k] = NUMBER;
          this.nums[this.k] = v;
          this.ends[this.k++] = this.end;
          break;
        case 'string':
          this.str(v, TEXT);
          break;
        case 'boolean':
          this.kinds[this.k] = NUMBER;
          this.nums[this.k] = v ? 1 : 0;
          this.ends[this.k++] = this.end;
          break;
        case 'bigint':
          this.str(v.toString(), BIGINT);
          break;
        default:
          if (v === null || v === undefined) {
            this.kinds[this.k] = NULL;
            this.ends[this.k++] = this.end;
          } else if (v instanceof Date) this.date(v);
          else if (v instanceof Uint8Array) throw new Error('a byte array cannot be handed to the loading thread');
          else this.str(JSON.stringify(v), TEXT);
      }
    }
    this.rows++;
  }

  /** The rows appended so far, as a batch whose memory the writer no longer uses; starts a new one. */
  take(): EncodedBatch {
    const n = this.rows * this.width;
    const batch: EncodedBatch = {
      rows: this.rows,
      width: this.width,
      kinds: this.kinds.subarray(0, n),
      nums: this.nums.subarray(0, n),
      ends: this.ends.subarray(0, n),
      bytes: this.bytes.subarray(0, this.at),
      wide: this.wide,
    };
    this.open = false;
    this.at = 0;
    this.wide = false;
    this.end = 0;
    this.k = 0;
    this.rows = 0;
    return batch;
  }
}

/** Row `r`'s values of a batch, as the engine binds them (for tests and the row-by-row fallback). */
export function boundRow(b: BoundBatch, r: number): unknown[] {
  const out: unknown[] = [];
  for (let k = r * b.width; k < (r + 1) * b.width; k++) {
    const text = () => b.text.slice(k ? b.ends[k - 1]! : 0, b.ends[k]!);
    out.push(b.kinds[k] === NUMBER ? b.nums[k] : b.kinds[k] === TEXT ? text() : b.kinds[k] === BIGINT ? BigInt(text()) : null);
  }
  return out;
}
