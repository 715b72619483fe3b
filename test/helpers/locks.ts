import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const HOLD = fileURLToPath(new URL('../fixtures/hold-lock.mjs', import.meta.url));

/** Starts a process that takes eventdb's migration lock; resolves once it holds it. The caller kills it (`children`). */
export function holdLock(url: string, seconds: number, children: ChildProcess[]): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [HOLD, url, String(seconds)], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('locked')) resolve(child);
    });
    child.on('exit', (code) => reject(new Error(`lock holder exited ${code}: ${err}`)));
  });
}
