import type { Capabilities } from '../types.js';

/** What a PostgreSQL server can do (PGlite shares it, but for concurrent writers). */
export const capabilities: Readonly<Capabilities> = Object.freeze({
  transactionalDdl: true,
  advisoryLocks: true,
  concurrentIndex: true,
  returning: true,
  triggers: true,
  storedProcedures: true,
  concurrentWriters: true,
});
