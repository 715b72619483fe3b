import type { CheckDefinition } from '../types.js';
import { needConnection } from './need.js';

/** Slower than this round trip warns. */
export const SLOW_PING_MS = 500;

/** Connects (done by the runner), measures a round trip and reads the server version. */
export const connectionCheck: CheckDefinition = {
  name: 'connection',
  needsConnection: true,
  async run(ctx) {
    const conn = needConnection(ctx);
    // The better of two round trips: the first may pay for a cold pool client or a JIT warm-up.
    const latencyMs = Math.min(await conn.ping(), await conn.ping());
    const serverVersion = await conn.serverVersion();
    const details = { engine: conn.engine, serverVersion, latencyMs: round(latencyMs), database: conn.target.display };
    const base = `${serverVersion}, round trip ${latencyMs.toFixed(1)} ms`;
    if (latencyMs > SLOW_PING_MS) return { status: 'warn', message: `${base} (slow: over ${SLOW_PING_MS} ms)`, details };
    return { status: 'ok', message: base, details };
  },
};

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
