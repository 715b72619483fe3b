import { formatDuration } from '../../units.js';
import type { CheckDefinition, CheckOutcome } from '../types.js';

/**
 * The newest snapshot in the configured store is younger than --max-backup-age (default 26 h) and
 * complete (its manifest is there — a folder of objects without one is a failed or running backup);
 * its `verify` outcome is reported when recorded. No snapshot at all warns outside production.
 */
export const backupCheck: CheckDefinition = {
  name: 'backup',
  needsConnection: false,
  async run(ctx): Promise<CheckOutcome> {
    const { readCatalog } = await import('../../backup/catalog.js');
    const catalog = await readCatalog(ctx.config);
    const store = catalog.store.display;
    const maxAge = ctx.opts.maxBackupAgeMs;
    const snapshots = catalog.snapshots; // newest first
    const newest = snapshots[0];
    const newestAt = newest ? Date.parse(newest.createdAt) : -Infinity;
    // A folder without a manifest newer than the newest snapshot: the latest backup did not finish.
    const unfinished = catalog.incomplete.filter((f) => Date.parse(f.modified) > newestAt);
    const base = { store, count: snapshots.length, maxAgeMs: maxAge, incomplete: catalog.incomplete.map((f) => f.id), damaged: catalog.damaged.map((d) => ({ id: d.id, reason: d.reason })) };
    // Damaged snapshots are skipped (never chosen by `restore --latest`); a newer one than the newest
    // usable snapshot means the latest backup cannot be restored.
    const damagedNote = catalog.damaged.length ? `; ${catalog.damaged.length} damaged snapshot(s) skipped (${catalog.damaged[0]!.id}: ${catalog.damaged[0]!.reason})` : '';
    if (!newest) {
      const message = `no snapshot in ${store}${unfinished.length ? ` (${unfinished.length} incomplete: no manifest)` : ''}${damagedNote}`;
      return { status: ctx.production || unfinished.length || catalog.damaged.length ? 'fail' : 'warn', message, details: base };
    }
    // Never negative: a snapshot's time may be a little ahead (another machine's clock; the catalog
    // refuses one further in the future as forged).
    const ageMs = Math.max(0, Date.now() - newestAt);
    const details = {
      ...base,
      newest: { id: newest.id, createdAt: newest.createdAt, sizeBytes: newest.size, encrypted: newest.encrypted, verified: newest.verified, verifiedAt: newest.verifiedAt, migrationHead: newest.migrationHead },
      ageMs: Math.round(ageMs),
    };
    const what = `newest snapshot ${newest.id} is ${formatDuration(ageMs)} old`;
    if (ageMs > maxAge) return { status: 'fail', message: `${what} (over ${formatDuration(maxAge)})`, details };
    if (unfinished.length) return { status: 'fail', message: `${what}, but a newer backup ${unfinished[0]!.id} is incomplete (no manifest)${damagedNote}`, details };
    if (catalog.damaged.length) return { status: 'warn', message: `${what}${newest.verified ? ', verified' : ', not verified yet'}${damagedNote}`, details };
    return { status: 'ok', message: `${what}${newest.verified ? ', verified' : ', not verified yet'}`, details };
  },
};
