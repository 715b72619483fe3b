/**
 * PostgreSQL refuses to use an enum value added in the same transaction until that transaction commits
 * (SQLSTATE 55P04, "unsafe use of new value … of enum type …"). A migration that uses a value an
 * earlier migration of the plan adds succeeds in a real run (each migration commits) but fails in a
 * rehearsal (one transaction for the whole plan): that failure is the rehearsal's, not the plan's.
 * A migration that adds the value and uses it itself fails for real too: then this returns undefined.
 */
export function pgRehearsalLimit(err: unknown, sql: string): string | undefined {
  const e = err as { code?: string; message?: string } | undefined;
  if (e?.code !== '55P04') return undefined;
  // The type as format_type_be writes it: quoted only when it must be (`vis`, `"Role"`, `app.vis`).
  const m = /new value "((?:[^"]|"")*)" of enum type (\S.*?)\s*$/.exec(e.message ?? '');
  if (!m) return undefined;
  const value = m[1]!.replace(/""/g, '"');
  const type = /^"(?:[^"]|"")*"$/.test(m[2]!) ? m[2]!.slice(1, -1).replace(/""/g, '"') : m[2]!;
  const literal = `'${value.replace(/'/g, "''")}'`.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  if (new RegExp(`\\bADD\\s+VALUE\\s+(?:IF\\s+NOT\\s+EXISTS\\s+)?(?:E)?${literal}`, 'i').test(sql)) return undefined;
  return `it uses the value "${value}" of enum type "${type}" that an earlier migration of this plan adds, which PostgreSQL allows only once that migration has committed: it and the migrations after it are not rehearsed`;
}
