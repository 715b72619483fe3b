import { quoteIdent } from '../dialects/quote.js';

/**
 * Keywords that cannot stand as a bare name in PostgreSQL (its reserved and type/function-reserved
 * keywords) or SQLite (its reserved keywords): advice quotes them.
 */
const RESERVED = new Set(
  ('all analyse analyze and any array as asc asymmetric authorization binary both case cast check collate collation column concurrently constraint create cross current_catalog current_date ' +
    'current_role current_schema current_time current_timestamp current_user default deferrable desc distinct do else end except false fetch for foreign freeze from full grant group having ilike ' +
    'in initially inner intersect into is isnull join lateral leading left like limit localtime localtimestamp natural not notnull null offset on only or order outer overlaps placing primary ' +
    'references returning right select session_user similar some symmetric system_user table tablesample then to trailing true union unique user using variadic verbose when where window with ' +
    'abort action add after alter always attach autoincrement before begin between by cascade commit conflict database deferred delete detach drop each escape exclude exclusive exists explain ' +
    'fail filter first following generated glob groups if ignore immediate index indexed insert instead key last match materialized no nothing nulls of others over partition plan pragma ' +
    'preceding query raise range recursive regexp reindex release rename replace restrict rollback row rows savepoint set temp temporary ties transaction trigger unbounded update vacuum values view virtual without').split(' '),
);

/** A name as it must be written in SQL a person runs: bare when it is lower case and not a keyword, else double-quoted. */
export function sqlName(name: string): string {
  return /^[a-z_][a-z0-9_]*$/.test(name) && !RESERVED.has(name) ? name : quoteIdent(name);
}

/** `schema.table` with each part written as sqlName does. */
export function sqlQualified(parts: string[]): string {
  return parts.map(sqlName).join('.');
}
