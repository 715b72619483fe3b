import { open } from 'node:fs/promises';

/** Flushes a directory entry (a rename into it) to disk. Some filesystems refuse fsync on a directory; the rename is atomic regardless. */
export async function fsyncDir(dir: string): Promise<void> {
  try {
    const fh = await open(dir, 'r');
    await fh.sync().finally(() => fh.close());
  } catch {
    /* not supported everywhere */
  }
}
