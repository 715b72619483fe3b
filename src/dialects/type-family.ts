import type { TypeFamily } from './types.js';

/**
 * Maps an engine's type name to a family. Works for PostgreSQL (`format_type`), SQLite (declared
 * types, by affinity rules where nothing more specific matches) and DuckDB (`data_type`).
 */
export function typeFamily(rawType: string): TypeFamily {
  const t = rawType.trim().toLowerCase();
  if (t === '') return 'other';
  if (t.endsWith('[]') || t.startsWith('array') || /\[\d*\]$/.test(t)) return 'array';
  if (/^(timestamp|datetime)/.test(t)) {
    return /with time zone|tz\b|timestamptz/.test(t) ? 'timestamptz' : 'timestamp';
  }
  if (t === 'timestamptz') return 'timestamptz';
  if (t === 'date') return 'date';
  if (/^time(\b|tz)/.test(t)) return 'time';
  if (t.startsWith('interval')) return 'interval';
  if (t === 'uuid') return 'uuid';
  if (t === 'json' || t === 'jsonb') return 'json';
  if (/^(bool|boolean)$/.test(t)) return 'boolean';
  if (/^(numeric|decimal)/.test(t)) return 'decimal';
  if (/^(real|double|float|double precision)/.test(t)) return 'float';
  if (/^(bytea|blob|binary|varbinary)/.test(t)) return 'binary';
  if (/^(smallint|integer|bigint|int|int2|int4|int8|hugeint|tinyint|ubigint|uinteger|usmallint|utinyint|serial|bigserial|smallserial)\b/.test(t)) return 'integer';
  if (/^(text|varchar|character|char|string|citext|name|bpchar|clob|nvarchar|nchar)/.test(t)) return 'text';
  if (/^user-defined$/.test(t) || /^enum/.test(t)) return 'text';
  // SQLite affinity rules (https://sqlite.org/datatype3.html §3.1) for anything else.
  if (t.includes('int')) return 'integer';
  if (/char|clob|text/.test(t)) return 'text';
  if (/real|floa|doub/.test(t)) return 'float';
  return 'other';
}
