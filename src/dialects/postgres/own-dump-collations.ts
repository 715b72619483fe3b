import type pg from 'pg';
import { literal, NOT_EXTENSION, qn, USER_SCHEMAS } from './own-dump-filters.js';

/**
 * `create collation` for each collation of the user's schemas (not an extension's), as pg_dump writes it,
 * with its comment: a column, a domain or a composite type's attribute may name one (`collate public.de_ci`),
 * and is made after it. The provider's columns are read through to_jsonb: `colliculocale` (15, 16) became
 * `colllocale` (17), `collicurules` is 16+, `collisdeterministic` 12+.
 */
export async function collations(c: pg.Client): Promise<{ create: string[]; comments: string[] }> {
  const r = await c.query<{ s: string; n: string; provider: string; deterministic: string | null; lcCollate: string | null; lcCtype: string | null; locale: string | null; rules: string | null; comment: string | null }>(
    `select n.nspname as s, k.collname as n, j ->> 'collprovider' as provider, j ->> 'collisdeterministic' as deterministic,
            j ->> 'collcollate' as "lcCollate", j ->> 'collctype' as "lcCtype", coalesce(j ->> 'colllocale', j ->> 'colliculocale') as locale,
            j ->> 'collicurules' as rules, obj_description(k.oid, 'pg_collation') as comment
       from pg_collation k cross join lateral to_jsonb(k) j join pg_namespace n on n.oid = k.collnamespace
      where ${USER_SCHEMAS} and ${NOT_EXTENSION('k')} order by k.oid`,
  );
  const create: string[] = [];
  const comments: string[] = [];
  for (const k of r.rows) {
    const opts: string[] = [];
    if (k.provider === 'i' || k.provider === 'b') {
      opts.push(`provider = ${k.provider === 'i' ? 'icu' : 'builtin'}`, `locale = ${literal(k.locale ?? k.lcCollate ?? '')}`);
      if (k.rules) opts.push(`rules = ${literal(k.rules)}`);
    } else if (k.lcCollate === k.lcCtype) {
      opts.push('provider = libc', `locale = ${literal(k.lcCollate ?? '')}`);
    } else {
      opts.push('provider = libc', `lc_collate = ${literal(k.lcCollate ?? '')}`, `lc_ctype = ${literal(k.lcCtype ?? '')}`);
    }
    if (k.deterministic === 'false') opts.push('deterministic = false');
    create.push(`create collation ${qn(k.s, k.n)} (${opts.join(', ')})`);
    if (k.comment !== null) comments.push(`comment on collation ${qn(k.s, k.n)} is ${literal(k.comment)}`);
  }
  return { create, comments };
}
