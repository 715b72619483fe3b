import { createHash } from 'node:crypto';

/** The text a checksum covers: BOM stripped, CRLF and lone CR turned into LF. */
export function normalizeText(text: string): string {
  return text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
}

/** SHA-256 (hex) of normalised text, so a Windows checkout (CRLF, BOM) does not count as a change. */
export function checksumOf(text: string): string {
  return createHash('sha256').update(normalizeText(text), 'utf8').digest('hex');
}
