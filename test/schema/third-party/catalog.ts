import { spawnSync } from 'node:child_process';

/** PostgreSQL's own `pg_dump` of a database (`--no-owner --no-acl`, as eventdb restores), without its random `\restrict` key. */
function pgDump(url: string, args: string[]): string {
  const r = spawnSync('pg_dump', [...args, '--no-owner', '--no-acl', '-d', url], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`pg_dump failed (${r.status}): ${r.stderr}`);
  return r.stdout.replace(/^\\(un)?restrict .*$/gm, '');
}

/** The schema as pg_dump writes it, one entry per statement (comments dropped), order-free: the ground truth of "same catalog". */
function statements(url: string): string[] {
  return pgDump(url, ['--schema-only'])
    .replace(/^--.*$/gm, '')
    .split(/;\n/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** The statements pg_dump writes for one database and not the other (a multiset difference). */
export function catalogDifference(source: string, copy: string): { onlyInSource: string[]; onlyInCopy: string[] } {
  const a = statements(source);
  const b = statements(copy);
  const minus = (x: string[], y: string[]) => {
    const left = new Map<string, number>();
    for (const s of y) left.set(s, (left.get(s) ?? 0) + 1);
    return x.filter((s) => {
      const n = left.get(s) ?? 0;
      if (n === 0) return true;
      left.set(s, n - 1);
      return false;
    });
  };
  return { onlyInSource: minus(a, b), onlyInCopy: minus(b, a) };
}

/** Every row, as pg_dump --data-only writes it (tables in a fixed order). */
export function dataDump(url: string): string {
  return pgDump(url, ['--data-only']);
}
