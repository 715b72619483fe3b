import type { ResolvedConfig } from '../config/index.js';
import { EventdbError } from '../errors.js';
import { readCatalog, requireStore, type SnapshotSummary } from './catalog.js';

export interface PruneOptions {
  keepLast?: number;
  keepDaily?: number;
  keepWeekly?: number;
  /** Delete (otherwise only report what would be deleted). */
  apply?: boolean;
  store?: string;
  env?: NodeJS.ProcessEnv;
  now?: Date;
}

export interface PruneResult {
  applied: boolean;
  keep: Array<{ id: string; createdAt: string; reasons: string[] }>;
  remove: Array<{ id: string; createdAt: string; size: number }>;
  /** Folders without a manifest older than a day (failed backups). */
  incomplete: Array<{ id: string; modified: string; objects: number }>;
  /** Snapshots whose manifest is damaged: never deleted by prune (someone should look at them), only reported. */
  damaged: Array<{ id: string; reason: string }>;
  freedBytes: number;
}

const DAY = 86_400_000;

function isoWeek(d: Date): string {
  const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  const day = t.getUTCDay() || 7;
  t.setUTCDate(t.getUTCDate() + 4 - day);
  const year = t.getUTCFullYear();
  const week = Math.ceil(((t.getTime() - Date.UTC(year, 0, 1)) / DAY + 1) / 7);
  return `${year}-W${String(week).padStart(2, '0')}`;
}

/** Which snapshots a retention policy keeps, newest first. Pure: exported for tests. */
export function planRetention(snapshots: SnapshotSummary[], policy: { keepLast?: number; keepDaily?: number; keepWeekly?: number }): Map<string, string[]> {
  const keep = new Map<string, string[]>();
  const add = (id: string, why: string) => keep.set(id, [...(keep.get(id) ?? []), why]);
  const sorted = [...snapshots].sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1));
  sorted.slice(0, policy.keepLast ?? 0).forEach((s, i) => add(s.id, `last ${i + 1}`));
  const bucket = (n: number | undefined, key: (d: Date) => string, label: string) => {
    if (!n) return;
    const seen = new Set<string>();
    for (const s of sorted) {
      const k = key(new Date(s.createdAt));
      if (seen.has(k)) continue;
      seen.add(k);
      if (seen.size > n) break;
      add(s.id, `${label} ${k}`);
    }
  };
  bucket(policy.keepDaily, (d) => d.toISOString().slice(0, 10), 'daily');
  bucket(policy.keepWeekly, isoWeek, 'weekly');
  const newestVerified = sorted.find((s) => s.verified);
  if (newestVerified) add(newestVerified.id, 'newest verified');
  if (sorted[0]) add(sorted[0].id, 'newest');
  return keep;
}

/** `backup prune`: dry-run unless `apply`; never removes the newest snapshot or the newest verified one. */
export async function pruneSnapshots(config: ResolvedConfig, opts: PruneOptions): Promise<PruneResult> {
  for (const [flag, v] of [['--keep-last', opts.keepLast], ['--keep-daily', opts.keepDaily], ['--keep-weekly', opts.keepWeekly]] as const) {
    if (v !== undefined && (!Number.isInteger(v) || v < 0)) throw new EventdbError('USAGE', `${flag} must be a whole number ≥ 0`, `e.g. ${flag} 7`);
  }
  if (!opts.keepLast && !opts.keepDaily && !opts.keepWeekly) {
    throw new EventdbError('USAGE', 'say what to keep: --keep-last N, --keep-daily D and/or --keep-weekly W', 'e.g. eventdb backup prune --keep-last 3 --keep-daily 7 --keep-weekly 4');
  }
  const catalog = await readCatalog(config, { store: opts.store, env: opts.env });
  requireStore(catalog);
  const keepMap = planRetention(catalog.snapshots, opts);
  const now = (opts.now ?? new Date()).getTime();
  const keep = catalog.snapshots.filter((s) => keepMap.has(s.id)).map((s) => ({ id: s.id, createdAt: s.createdAt, reasons: keepMap.get(s.id)! }));
  const removeSnaps = catalog.snapshots.filter((s) => !keepMap.has(s.id));
  const incomplete = catalog.incomplete.filter((f) => now - Date.parse(f.modified) > DAY);
  if (opts.apply) {
    const keys: string[] = [];
    for (const s of removeSnaps) {
      // Manifest first: a half-deleted snapshot is then an incomplete folder, never a listed, broken one.
      await catalog.store.delete([`${s.location}manifest.json`]);
      for await (const o of catalog.store.list(s.location)) keys.push(o.key);
    }
    for (const f of incomplete) keys.push(...f.keys);
    if (keys.length) await catalog.store.delete(keys);
  }
  return {
    applied: !!opts.apply,
    keep,
    remove: removeSnaps.map((s) => ({ id: s.id, createdAt: s.createdAt, size: s.size })),
    incomplete: incomplete.map((f) => ({ id: f.id, modified: f.modified, objects: f.keys.length })),
    damaged: catalog.damaged.map((d) => ({ id: d.id, reason: d.reason })),
    freedBytes: removeSnaps.reduce((n, s) => n + s.size, 0),
  };
}
