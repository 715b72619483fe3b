import { formatDuration } from '../duration.js';
import { loadBackup, type SnapshotSummary } from '../optional.js';
import type { CheckDefinition, CheckOutcome } from '../types.js';

/**
 * The newest snapshot is younger than --max-backup-age (default 26 h) and complete (its manifest is
 * there); its `verify` outcome is reported when recorded. No snapshot at all warns outside production.
 */
export const backupCheck: CheckDefinition = {
  name: 'backup',
  needsConnection: false,
  async run(ctx): Promise<CheckOutcome> {
    const mod = await loadBackup();
    if (!mod?.listSnapshots) return { status: 'skipped', message: 'the backup module is not part of this build', details: {} };
    const listed = await mod.listSnapshots(ctx.config);
    const snapshots = Array.isArray(listed) ? listed : listed.snapshots;
    const store = ctx.config.store;
    const dated = snapshots
      .map((s) => ({ s, at: Date.parse(String(s.createdAt ?? s.timestamp ?? '')) }))
      .filter((x) => Number.isFinite(x.at))
      .sort((a, b) => b.at - a.at);
    const newest = dated[0];
    const maxAge = ctx.opts.maxBackupAgeMs;
    if (!newest) {
      return { status: ctx.production ? 'fail' : 'warn', message: `no snapshot in ${store}`, details: { store, count: 0, maxAgeMs: maxAge } };
    }
    const ageMs = Date.now() - newest.at;
    const s = newest.s;
    const verify = verifyState(s);
    const details = {
      store,
      count: snapshots.length,
      newest: { id: s.id ?? s.key ?? null, createdAt: new Date(newest.at).toISOString(), sizeBytes: s.sizeBytes ?? s.size ?? null, complete: s.complete ?? true, verified: verify },
      ageMs: Math.round(ageMs),
      maxAgeMs: maxAge,
    };
    const what = `newest snapshot ${s.id ?? s.key ?? ''} is ${formatDuration(ageMs)} old`.replace('  ', ' ');
    if (s.complete === false) return { status: 'fail', message: `${what} and incomplete (no manifest)`, details };
    if (ageMs > maxAge) return { status: 'fail', message: `${what} (over ${formatDuration(maxAge)})`, details };
    if (verify === false) return { status: 'fail', message: `${what}; its last verify failed`, details };
    return { status: 'ok', message: `${what}${verify === true ? ', verified' : ''}`, details };
  },
};

function verifyState(s: SnapshotSummary): boolean | null {
  const v = s.verified ?? (s.verify as SnapshotSummary['verified']);
  if (v === undefined || v === null) return null;
  if (typeof v === 'boolean') return v;
  return typeof v === 'object' && 'ok' in v ? !!v.ok : null;
}
