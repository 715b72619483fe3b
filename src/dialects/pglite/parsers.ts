import pg from 'pg';
import { exactInt8 } from '../postgres/value-parsers.js';

/** Type OIDs whose values eventdb reads the way the server dialect (node-postgres) does. */
// bytea, dates and timestamps (and their arrays), point, circle and interval (and their arrays)
const SAME_AS_SERVER = [17, 1082, 1114, 1184, 1115, 1182, 1185, 1001, 600, 1017, 718, 1186, 1187];

/**
 * Result parsers that make PGlite hand back the values the postgres server dialect returns:
 * int8 as a number when it is exact (else the digit string, as for the server), bytea as a Buffer,
 * dates, timestamps, points, circles and intervals as node-postgres parses them. PGlite derives the array parsers from these.
 */
export function typeParsers(): Record<number, (value: string) => unknown> {
  const parsers: Record<number, (value: string) => unknown> = { 20: exactInt8 };
  for (const oid of SAME_AS_SERVER) parsers[oid] = pg.types.getTypeParser(oid, 'text') as (value: string) => unknown;
  return parsers;
}
