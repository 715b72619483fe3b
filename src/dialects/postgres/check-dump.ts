import { createReadStream } from 'node:fs';
import { EventdbError, messageOf } from '../../errors.js';
import type { SnapshotSource } from '../types.js';
import { checkIdentitySequences, parseHeader, parseSequences, parseTable, readFrames, type DumpHeader, type DumpTable } from './dump-format.js';
import { tableKey } from './own-dump.js';
import { listArchive } from './pg-restore.js';
import { toolVersion } from './tools.js';
import { rowCounts } from '../row-counts.js';

/**
 * Checks a downloaded PostgreSQL dump (server and PGlite): eventdb-pg is read through, its rows counted
 * and the sequences it sets checked against its schema (checkIdentitySequences); a pg_dump archive is
 * listed with pg_restore (checksums only when pg_restore is absent).
 */
export async function checkDumpFile(path: string, format: SnapshotSource['format']): Promise<{ tables?: Record<string, number>; check: string }> {
  if (format === 'eventdb-pg') {
    const tables = rowCounts();
    let declared: Record<string, number> | undefined;
    let current: DumpTable | undefined;
    let header: DumpHeader | undefined;
    let rows = 0;
    try {
      for await (const { type, body } of readFrames(createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>)) {
        if (type === 'H') {
          header = parseHeader(body);
        } else if (type === 'S' && header) {
          checkIdentitySequences(header, parseSequences(body)); // a dump that reads through but would not load
        } else if (type === 'T') {
          current = parseTable(body);
          rows = 0;
        } else if (type === 'D') {
          let i = -1;
          while ((i = body.indexOf(10, i + 1)) !== -1) rows++;
        } else if (type === 'E' && current) {
          tables[tableKey(current.schema, current.name)] = rows;
          current = undefined;
        } else if (type === 'Z') {
          declared = (JSON.parse(body.toString('utf8')) as { tables: Record<string, number> }).tables;
        }
      }
    } catch (e) {
      throw new EventdbError('CORRUPT_SNAPSHOT', `the PostgreSQL dump is damaged: ${messageOf(e)}`, 'use another snapshot (`eventdb backup list`)', { cause: e });
    }
    if (!declared) throw new EventdbError('CORRUPT_SNAPSHOT', 'the PostgreSQL dump has no end marker', 'use another snapshot (`eventdb backup list`)');
    return { tables, check: 'dump read through, rows counted' };
  }
  if (!toolVersion('pg_restore')) return { check: 'checksums only (pg_restore is not installed, the archive was not listed)' };
  await listArchive(path);
  return { check: 'pg_restore --list ok' };
}
