import { isUtf8 } from 'node:buffer';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { EventdbError } from '../errors.js';
import { firstInvalidByte } from './checksum.js';
import { parseFileName } from './file-name.js';

/**
 * A migrations folder's entries as the migrator and lint read them: names that are UTF-8. A migration
 * file whose name is not is refused: its ID is recorded as text, and decoding the name would record
 * U+FFFD — an ID no file has — and open a file that does not exist.
 */

const hex = (b: number) => `0x${b.toString(16).padStart(2, '0')}`;

/** Controls (C0, DEL, C1) and Unicode bidi controls: escaped in a name, so the message is the same text and --json. */
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

const escapeControl = (c: string) => {
  const n = c.charCodeAt(0);
  return n <= 0xff ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`;
};

/** A name's bytes for a message: valid UTF-8 as text, every other byte as `\xNN`, controls as `\xNN` / `\uNNNN`. */
export function escapedName(bytes: Uint8Array): string {
  let out = '';
  let rest = bytes;
  const text = (b: Uint8Array) => Buffer.from(b).toString('utf8').replace(CONTROLS, escapeControl);
  for (let at = firstInvalidByte(rest); at >= 0; at = firstInvalidByte(rest)) {
    out += `${text(rest.subarray(0, at))}\\x${rest[at]!.toString(16).padStart(2, '0')}`;
    rest = rest.subarray(at + 1);
  }
  return out + text(rest);
}

/** A migration file's name that is not valid UTF-8 (MIGRATION_INVALID, exit 2), named with its bad bytes escaped. */
export function invalidNameError(dir: string, name: Uint8Array): EventdbError {
  const at = firstInvalidByte(name);
  return new EventdbError('MIGRATION_INVALID', `${join(dir, escapedName(name))}: the file name is not valid UTF-8${at < 0 ? '' : ` (byte ${hex(name[at]!)})`}`, 'rename it to a UTF-8 name (plain ASCII is safest; `ls -b` shows the bytes): a migration\'s ID is its file name, recorded as text');
}

/** An entry of a migrations folder, its name decoded (readMigrationFolder). */
export interface FolderEntry {
  name: string;
  /** A regular file (no stat needed); a link or an entry of unknown type is neither. */
  file: boolean;
  directory: boolean;
}

/**
 * The entries of a migrations folder whose names are UTF-8, in name order. A name that is not, and
 * would be a migration's (a migration extension, not hidden), is reported to `problem`; others are
 * ignored, as any file that is not a migration is.
 */
export function readMigrationFolder(dir: string, problem: (e: EventdbError) => void): FolderEntry[] {
  const out: FolderEntry[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true, encoding: 'buffer' })) {
    const raw = entry.name as unknown as Buffer;
    const name = raw.toString('utf8');
    if (!isUtf8(raw)) {
      if (parseFileName(name)) problem(invalidNameError(dir, raw));
      continue;
    }
    out.push({ name, file: entry.isFile(), directory: entry.isDirectory() });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
