import { mkdtempSync, rmSync } from 'node:fs';
import { readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onInterrupt } from '../interrupt-cleanup.js';

/**
 * Scratch folders of backup, verify and restore: `<tmp>/eventdb-<kind>-<pid>-XXXXXX`. Each run removes
 * its own folder when it ends (success or failure); a run killed with `kill -9` cannot, so every run
 * first removes the folders of runs whose process no longer exists (same machine: the pid is in the
 * name). Folders of the older naming (`eventdb-<kind>-XXXXXX`, no pid) are removed once empty and a
 * day old. Returns the folders removed.
 */
export type TempKind = 'backup' | 'verify' | 'restore';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === 'EPERM';
  }
}

export function tempRoot(env: NodeJS.ProcessEnv): string {
  return env.EVENTDB_TMPDIR ?? tmpdir();
}

export async function sweepTempDirs(env: NodeJS.ProcessEnv): Promise<string[]> {
  const root = tempRoot(env);
  const removed: string[] = [];
  let names: string[];
  try {
    names = await readdir(root);
  } catch {
    return removed;
  }
  for (const name of names) {
    const m = /^eventdb-(backup|verify|restore)-(?:(\d+)-)?[A-Za-z0-9]{6}$/.exec(name);
    if (!m) continue;
    const path = join(root, name);
    try {
      if (m[2]) {
        if (Number(m[2]) === process.pid || alive(Number(m[2]))) continue;
      } else {
        const st = await stat(path);
        if (!st.isDirectory() || Date.now() - st.mtimeMs < 86_400_000 || (await readdir(path)).length > 0) continue;
      }
      await rm(path, { recursive: true, force: true });
      removed.push(path);
    } catch {
      /* another run removed it, or it is not ours to remove */
    }
  }
  return removed;
}

/** The interrupt cleanup of each scratch folder this process has and has not removed yet. */
const registered = new Map<string, () => void>();

/**
 * Removes leftovers of dead runs, then creates this run's scratch folder. Remove it with
 * removeTempDir, which also drops its interrupt cleanup (left registered, `backup --every` gained one
 * closure per backup for as long as it ran).
 */
export async function makeTempDir(kind: TempKind, env: NodeJS.ProcessEnv): Promise<string> {
  await sweepTempDirs(env);
  const dir = mkdtempSync(join(tempRoot(env), `eventdb-${kind}-${process.pid}-`)); // registered in the same step
  registered.set(dir, onInterrupt(() => rmSync(dir, { recursive: true, force: true })));
  return dir;
}

/** Removes a scratch folder made by makeTempDir, and unregisters its interrupt cleanup. Never throws. */
export async function removeTempDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  registered.get(dir)?.();
  registered.delete(dir);
}
