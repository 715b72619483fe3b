import pg from 'pg';
import { exactInt8 } from '../postgres/value-parsers.js';

/** Type OIDs whose values eventdb reads the way the server dialect (node-postgres) does. */
const SAME_AS_SERVER = [17, 1082, 1114, 1184, 1115, 1182, 1185, 1001];

/**
 * Result parsers that make PGlite hand back the values the postgres server dialect returns:
 * int8 as a number when it is exact (else the digit string, as for the server), bytea as a Buffer,
 * dates and timestamps as node-postgres parses them. PGlite derives the array parsers from these.
 */
export function typeParsers(): Record<number, (value: string) => unknown> {
  const parsers: Record<number, (value: string) => unknown> = { 20: exactInt8 };
  for (const oid of SAME_AS_SERVER) parsers[oid] = pg.types.getTypeParser(oid, 'text') as (value: string) => unknown;
  return parsers;
}
