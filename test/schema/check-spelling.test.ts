/**
 * CHECK expressions compared across what the engines give back (issue 17): PostgreSQL rewrites
 * `in`, `between`, `like` and `!=`, DuckDB parenthesises; the declared spelling and the engine's must
 * compare equal, and different checks must not.
 */
import { describe, expect, it } from 'vitest';
import { ddlFor } from '../../src/dialects/ddl.js';

const pg = ddlFor('postgres');
const duck = ddlFor('duckdb');

describe('canonicalCheck', () => {
  it('the declared form equals what PostgreSQL and DuckDB give back', () => {
    const cases: Array<[string, string, string]> = [
      ["status in ('x','y')", "s = ANY (ARRAY['x'::text, 'y'::text])".replace('s =', 'status ='), "(status IN ('x', 'y'))"],
      ['n between 1 and 5', 'n >= 1 AND n <= 5', '(n BETWEEN 1 AND 5)'],
      ["s not in ('z')", "s <> 'z'::text", "(s NOT IN ('z'))"],
      ['n != 3 and length(s) > 0', 'n <> 3 AND length(s) > 0', '((n != 3) AND (length(s) > 0))'],
      ['m >= 0 or s is null', 'm >= 0::numeric OR s IS NULL', '((m >= 0) OR (s IS NULL))'],
      ["s like 'a%'", "s ~~ 'a%'::text", "(s ~~ 'a%')"],
      ["s not in ('a', 'b')", "s <> ALL (ARRAY['a'::text, 'b'::text])", "(s NOT IN ('a', 'b'))"],
    ];
    for (const [declared, fromPg, fromDuck] of cases) {
      expect(pg.canonicalCheck(fromPg), declared).toBe(pg.canonicalCheck(declared));
      expect(duck.canonicalCheck(fromDuck), declared).toBe(duck.canonicalCheck(declared));
    }
  });

  it('different checks stay different; string literals keep their case', () => {
    expect(pg.canonicalCheck("status in ('x','y')")).not.toBe(pg.canonicalCheck("status in ('x','z')"));
    expect(pg.canonicalCheck("s = 'A'")).not.toBe(pg.canonicalCheck("s = 'a'"));
    expect(pg.canonicalCheck('n between 1 and 5')).not.toBe(pg.canonicalCheck('n between 1 and 6'));
    expect(pg.canonicalCheck('n > 0')).not.toBe(pg.canonicalCheck('n >= 0'));
  });
});
