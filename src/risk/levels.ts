import type { Level, RiskContext } from './types.js';

export const LEVELS: readonly Level[] = ['low', 'medium', 'high', 'critical'];

export function rank(l: Level | null | undefined): number {
  return l ? LEVELS.indexOf(l) + 1 : 0;
}

export function maxLevel(levels: Iterable<Level>): Level | null {
  let best: Level | null = null;
  for (const l of levels) if (rank(l) > rank(best)) best = l;
  return best;
}

export function atLeast(l: Level | null | undefined, threshold: Level): boolean {
  return rank(l) >= rank(threshold);
}

export function isLevel(v: string): v is Level {
  return (LEVELS as readonly string[]).includes(v);
}

/** Tables up to this many rows are small: an index build or rewrite takes well under a second. */
export const SMALL_ROWS = 10_000;
/** Tables above this many rows are large: seconds to minutes of blocked writes. */
export const LARGE_ROWS = 1_000_000;

export type SizeClass = 'empty' | 'small' | 'medium' | 'large';

export interface TableSize {
  cls: SizeClass;
  /** Known row count (live estimate), or undefined when assumed. */
  rows?: number;
  /** How the size was found: live statistics, created in this migration, or assumed. */
  source: 'live' | 'new' | 'assumed';
}

export function classify(rows: number): SizeClass {
  if (rows <= 0) return 'empty';
  if (rows <= SMALL_ROWS) return 'small';
  if (rows <= LARGE_ROWS) return 'medium';
  return 'large';
}

/** The size of a table as the analysis sees it. */
export function tableSize(ctx: RiskContext, table: string, createdHere: boolean): TableSize {
  if (createdHere) return { cls: 'empty', rows: 0, source: 'new' };
  if (ctx.tableSizes) {
    const rows = ctx.tableSizes.get(table.toLowerCase()) ?? 0;
    return { cls: classify(rows), rows, source: 'live' };
  }
  return { cls: ctx.assumeSmall ? 'small' : 'large', source: 'assumed' };
}

/** Picks a level by size class; null = no finding. Empty tables default to the small level. */
export function scaled(size: TableSize, small: Level | null, medium: Level | null, large: Level | null, empty: Level | null = small): Level | null {
  switch (size.cls) {
    case 'empty':
      return empty;
    case 'small':
      return small;
    case 'medium':
      return medium;
    default:
      return large;
  }
}

export function describeSize(table: string, size: TableSize): string {
  if (size.source === 'new') return `"${table}" is created in this migration`;
  if (size.source === 'live') return `"${table}" has ~${size.rows!.toLocaleString('en-US')} rows`;
  return size.cls === 'small' ? `"${table}" assumed small (--assume-small)` : `"${table}" assumed production-sized (no database; --assume-small to change)`;
}
