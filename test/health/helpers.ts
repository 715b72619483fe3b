import { createServer, type Server, type Socket } from 'node:net';

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

export { holdLock } from '../helpers/locks.js';

export const TABLE_DDL: Record<string, string> = {
  postgres: 'create table venues (id bigserial primary key, name text not null)',
  sqlite: 'create table venues (id integer primary key, name text not null)',
  duckdb: 'create table venues (id bigint primary key, name text not null)',
};
