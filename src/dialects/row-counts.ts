/** An empty table → row count map without a prototype: a table may be named `__proto__` or `constructor`. */
export function rowCounts(): Record<string, number> {
  return Object.create(null) as Record<string, number>;
}
