import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';

const HOLD = fileURLToPath(new URL('../fixtures/hold-lock.mjs', import.meta.url));

/** A TCP listener that accepts connections and never answers: a host that swallows packets. */
export async function startBlackHole(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets: Socket[] = [];
  const server: Server = createServer((s) => {
    sockets.push(s);
    s.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as { port: number }).port,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** Starts a process that takes eventdb's migration lock; resolves once it holds it. */
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

export const TABLE_DDL: Record<string, string> = {
  postgres: 'create table venues (id bigserial primary key, name text not null)',
  sqlite: 'create table venues (id integer primary key, name text not null)',
  duckdb: 'create table venues (id bigint primary key, name text not null)',
};
