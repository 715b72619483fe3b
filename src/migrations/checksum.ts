import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { EventdbError } from '../errors.js';
import { unreadableError } from './unreadable-file.js';

/** The text a checksum covers: BOM stripped, CRLF and lone CR turned into LF. */
export function normalizeText(text: string): string {
  return text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
}

/** The same normalisation on raw bytes: a UTF-8 BOM stripped, CRLF and lone CR turned into LF. */
function normalizeBytes(bytes: Uint8Array): Uint8Array {
  // Most files have neither a BOM nor a CR: their bytes are already normal (a native search, not the loop below; issue 18).
  if (bytes[0] !== 0xef && bytes.indexOf(0x0d) < 0) return bytes;
  const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  const out = Buffer.allocUnsafe(bytes.length - start);
  let n = 0;
  for (let i = start; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b === 0x0d) {
      out[n++] = 0x0a;
      if (bytes[i + 1] === 0x0a) i++;
    } else out[n++] = b;
  }
  return out.subarray(0, n);
}

/**
 * SHA-256 (hex) of a migration's normalised bytes, so a Windows checkout (CRLF, BOM) does not count
 * as a change but any other edit of any byte does. For valid UTF-8 this equals the hash of the
 * normalised text (CR and LF never occur inside a multi-byte sequence), so histories recorded from
 * text checksums still match.
 */
export function checksumOf(content: string | Uint8Array): string {
  const bytes = typeof content === 'string' ? Buffer.from(normalizeText(content), 'utf8') : normalizeBytes(content);
  return createHash('sha256').update(bytes).digest('hex');
}

/** Offset of the first byte that does not start a valid UTF-8 sequence (-1: none). */
export function firstInvalidByte(b: Uint8Array): number {
  for (let i = 0; i < b.length; ) {
    const c = b[i]!;
    const n = c < 0x80 ? 0 : c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : -1;
    if (n < 0) return i;
    for (let k = 1; k <= n; k++) if (((b[i + k] ?? 0) & 0xc0) !== 0x80) return i;
    const c1 = b[i + 1] ?? 0;
    if ((c === 0xe0 && c1 < 0xa0) || (c === 0xed && c1 > 0x9f) || (c === 0xf0 && c1 < 0x90) || (c === 0xf4 && c1 > 0x8f)) return i;
    i += n + 1;
  }
  return -1;
}

/**
 * Reads a migration file: its text and the checksum of its bytes. A file that is not valid UTF-8 is
 * refused (MIGRATION_INVALID, exit 2) with the line of the first bad byte — decoding it would turn
 * those bytes into U+FFFD and run SQL nobody wrote.
 */
export function readMigrationFile(file: string): { text: string; checksum: string } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw unreadableError(file, e) ?? e;
  }
  if (!isUtf8(bytes)) {
    const at = firstInvalidByte(bytes);
    const before = bytes.subarray(0, Math.max(0, at));
    const line = before.filter((x) => x === 0x0a).length + 1;
    const col = at - (before.lastIndexOf(0x0a) + 1) + 1;
    throw new EventdbError('MIGRATION_INVALID', `${file}:${line}:${col}: not valid UTF-8 (byte 0x${(bytes[at] ?? 0).toString(16).padStart(2, '0')})`, 'save the file as UTF-8 (e.g. iconv -f latin1 -t utf-8), then check that line');
  }
  return { text: bytes.toString('utf8'), checksum: checksumOf(bytes) };
}
