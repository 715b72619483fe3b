export { createBackup, type BackupOptions, type BackupResult } from './backup.js';
export { listSnapshots, readCatalog, selectSnapshot, type SnapshotSummary, type Selector } from './catalog.js';
export { verifySnapshot, type VerifyOptions, type VerifyResult } from './verify.js';
export { pruneSnapshots, planRetention, type PruneOptions, type PruneResult } from './prune.js';
export { restoreSnapshot, restoreIfNewer, type RestoreOptions, type RestoreResult } from './restore.js';
export type { Manifest, ManifestObject } from './manifest.js';
export { checkTag } from './names.js';
