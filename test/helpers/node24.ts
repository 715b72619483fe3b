import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runtimeHasZstd } from '../../src/backup/codec.js';
import { ROOT } from './cli.js';

/**
 * A Node.js binary whose node:zlib has zstd (≥ 22.15), to take snapshots that the running runtime
 * must restore: this one when it has zstd, else EVENTDB_NODE24 (set by .ci/run), else the Node 24
 * that `bash .ci/node24` installs into .ci-node24/. Throws with the fix when there is none: the
 * cross-runtime tests are not skipped.
 */
export function zstdNode(): string {
  if (runtimeHasZstd()) return process.execPath;
  const candidates = [process.env.EVENTDB_NODE24, join(ROOT, '.ci-node24', 'bin', 'node')].filter((p): p is string => !!p);
  const found = candidates.find((p) => existsSync(p));
  if (found) return found;
  throw new Error(`Node ${process.versions.node} has no zstd and no Node 24 was found (EVENTDB_NODE24, .ci-node24/bin/node): run \`bash .ci/node24\` once, or set EVENTDB_NODE24`);
}
