import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/**
 * A small HTTP proxy in front of s3rver that injects faults. Each request is classified (`upload` =
 * PUT of an object or a part, `list`, `get`, `other`); a rule may answer it with a status, drop the
 * connection after some of its body, or hold it until released.
 */
export type Fault =
  | { kind: 'status'; status: number; times: number; match?: RequestKind }
  | { kind: 'drop'; afterBytes: number; times: number; match?: RequestKind }
  | { kind: 'hold'; match?: RequestKind };

export type RequestKind = 'upload' | 'list' | 'get' | 'other';

export interface FaultProxy {
  endpoint: string;
  /** Requests seen, by kind. */
  seen: Record<RequestKind, number>;
  /** Faults injected so far. */
  injected: number;
  setFault(f: Fault | undefined): void;
  /** Resolves when a request of this kind arrives. */
  waitFor(kind: RequestKind): Promise<void>;
  close(): Promise<void>;
}

function classify(req: IncomingMessage): RequestKind {
  const url = new URL(req.url ?? '/', 'http://x');
  if (req.method === 'PUT' && url.pathname.split('/').filter(Boolean).length >= 2) return 'upload';
  if (req.method === 'GET' && (url.searchParams.has('list-type') || url.pathname.split('/').filter(Boolean).length === 1)) return 'list';
  if (req.method === 'GET') return 'get';
  return 'other';
}

export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const t = new URL(target);
  let fault: Fault | undefined;
  const waiters: Array<{ kind: RequestKind; resolve: () => void }> = [];
  const held: ServerResponse[] = [];
  const state: FaultProxy = {
    endpoint: '',
    seen: { upload: 0, list: 0, get: 0, other: 0 },
    injected: 0,
    setFault(f) {
      fault = f;
    },
    waitFor(kind) {
      return new Promise((resolve) => waiters.push({ kind, resolve }));
    },
    async close() {
      for (const r of held) r.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  const server: Server = createServer((req, res) => {
    const kind = classify(req);
    state.seen[kind]++;
    for (const w of waiters.splice(0).filter((w) => (w.kind === kind ? (w.resolve(), false) : true))) waiters.push(w);
    const f = fault;
    const applies = f && (!f.match || f.match === kind) && (f.kind === 'hold' || f.times > 0);
    if (applies && f.kind === 'status') {
      f.times--;
      state.injected++;
      req.resume();
      res.writeHead(f.status, { 'content-type': 'application/xml' });
      res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code><Message>injected fault</Message></Error>`);
      return;
    }
    if (applies && f.kind === 'hold') {
      state.injected++;
      held.push(res);
      return;
    }
    let dropAfter = -1;
    if (applies && f.kind === 'drop') {
      f.times--;
      state.injected++;
      dropAfter = f.afterBytes;
    }
    const up = request({ host: t.hostname, port: t.port, method: req.method, path: req.url, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    let sent = 0;
    req.on('data', (chunk: Buffer) => {
      if (dropAfter >= 0 && sent + chunk.length > dropAfter) {
        up.destroy();
        req.socket.destroy();
        return;
      }
      sent += chunk.length;
      up.write(chunk);
    });
    req.on('end', () => up.end());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  state.endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return state;
}
