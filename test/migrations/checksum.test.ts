import { createHash } from 'node:crypto';
import { expect, it } from 'vitest';
import { checksumOf } from '../../src/migrations/checksum.js';

/*
 * A migration's checksum covers its normalised bytes (BOM stripped, CRLF and lone CR as LF). Issue 18:
 * bytes with neither a BOM nor a CR are hashed as they are, without the byte-by-byte copy — the same sum.
 */

const sha = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');
const bytes = (s: string) => Buffer.from(s, 'utf8');

it('plain LF bytes: the hash of the bytes themselves, equal to the text’s checksum', () => {
  const text = '-- eventdb:up\ncreate table t (id int);\n';
  expect(checksumOf(bytes(text))).toBe(sha(text));
  expect(checksumOf(text)).toBe(sha(text));
});

it('a BOM, CRLF and lone CR do not change the checksum; a first byte 0xEF that starts no BOM is kept', () => {
  const lf = 'a\nb\nc\n';
  expect(checksumOf(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes(lf)]))).toBe(sha(lf));
  expect(checksumOf(bytes('a\r\nb\rc\r\n'))).toBe(sha(lf));
  const notBom = '\uf000 select 1;\n'; // UTF-8 EF 80 80: not a BOM
  expect(checksumOf(bytes(notBom))).toBe(sha(notBom));
  expect(checksumOf(bytes('\uf000\r\n'))).toBe(sha('\uf000\n'));
  expect(checksumOf(new Uint8Array(0))).toBe(sha(''));
});
