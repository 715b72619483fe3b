import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Everything under `dir`, path → what it is: a file's SHA-256, a link's target, a FIFO, or a folder.
 * Never follows links and never opens a special file, so it works on a store planted with both.
 * Equal before and after a refused command: the command changed nothing there.
 */
export function treeState(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, rel: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const r = rel ? `${rel}/${name}` : name;
      const st = lstatSync(p);
      if (st.isSymbolicLink()) out[r] = `link → ${readlinkSync(p)}`;
      else if (st.isDirectory()) {
        out[r] = 'folder';
        walk(p, r);
      } else if (st.isFile()) out[r] = createHash('sha256').update(readFileSync(p)).digest('hex');
      else out[r] = 'special';
    }
  };
  walk(dir, '');
  return out;
}
