/**
 * PostgreSQL's TypeScript types (node-postgres and PGlite, as eventdb configures them): int8 a number
 * when exact, else the digit string; numeric a string; timestamps and dates a Date; json/jsonb parsed;
 * bytea a Buffer. Arrays by element, as node-postgres parses them (below). Pure data: no driver.
 */
import { arrayByElement, COMMON_TS_TYPES, integerByWidth, same, type TsType, type TsTypes } from '../ts-types.js';

const DATE: TsType = { select: 'Date', insert: 'Date | string' };
const TEXT_FORM = same('string');

/**
 * The element types whose arrays node-postgres parses (pg-types' array parsers; eventdb's own for int8[]
 * and numeric[], value-parsers.ts), by name without modifiers (`numeric(10,2)` → `numeric`). Each
 * element reads as its scalar does; interval, point: pg's objects, `unknown` as their scalars are.
 * Writes: pg turns a JS array into the array literal, element by element.
 */
const PARSED_ARRAYS: Readonly<Record<string, TsType>> = {
  text: same('string'),
  'character varying': same('string'),
  varchar: same('string'),
  character: same('string'),
  char: same('string'),
  bpchar: same('string'),
  uuid: same('string'),
  'time without time zone': same('string'),
  time: same('string'),
  'time with time zone': same('string'),
  timetz: same('string'),
  inet: same('string'),
  cidr: same('string'),
  macaddr: same('string'),
  money: same('string'),
  smallint: same('number'),
  int2: same('number'),
  integer: same('number'),
  int: same('number'),
  int4: same('number'),
  oid: same('number'),
  real: same('number'),
  float4: same('number'),
  'double precision': same('number'),
  float8: same('number'),
  bigint: integerByWidth('bigint'),
  int8: integerByWidth('bigint'),
  numeric: { select: 'string', insert: 'number | string' },
  decimal: { select: 'string', insert: 'number | string' },
  boolean: same('boolean'),
  bool: same('boolean'),
  date: DATE,
  timestamp: DATE,
  'timestamp without time zone': DATE,
  'timestamp with time zone': DATE,
  timestamptz: DATE,
  // pg parses each element; written as JSON text (as a json column is), one string per element
  json: { select: 'JsonValue', insert: 'string' },
  jsonb: { select: 'JsonValue', insert: 'string' },
  bytea: same('Buffer'),
  interval: { select: 'unknown', insert: 'string' },
  point: { select: 'unknown', insert: 'string' },
};

const element = (name: string): TsType | undefined => PARSED_ARRAYS[name.replace(/\s*\([^)]*\)/g, '').replace(/\s+/g, ' ')];

export const postgresTsTypes: TsTypes = {
  families: {
    ...COMMON_TS_TYPES,
    integer: integerByWidth,
    decimal: { select: 'string', insert: 'number | string' },
    boolean: same('boolean'),
    timestamp: DATE,
    timestamptz: DATE,
    date: DATE,
    time: same('string'),
    interval: { select: 'unknown', insert: 'string' },
    json: { select: 'JsonValue', insert: 'string' },
    binary: same('Buffer'),
    // An array of any other element (a domain, a composite, an extension's type such as citext, name,
    // xml, bit …) is its array text, `{a,b}`, read and written as that string — as an enum array
    // (below). A domain over an array names no element: `unknown`, written as its array literal.
    array: (type) => (type.trimEnd().endsWith(']') ? arrayByElement(element, TEXT_FORM)(type) : { select: 'unknown', insert: 'string' }),
  },
  enumUnion: true,
  // the drivers know no parser for an enum type's array: its text, `{open,closed}` (written as text too)
  enumArray: TEXT_FORM,
  identity: true,
  integerKeyIsRowid: false,
};
