import type { PGlite, Results } from '@electric-sql/pglite';

/**
 * PGlite is one PostgreSQL backend: one session. Everything that talks to it — Kysely queries,
 * transactions, COPY through `/dev/blob`, lock queries — goes through this one queue, so a
 * transaction opened by one caller never sees another caller's statements interleaved in it.
 */
export class PgliteSession {
  #queue: Array<() => void> = [];
  #busy = false;
  /** Whether a transaction is open in the session (set by the Kysely driver). */
  inTransaction = false;

  constructor(
    private readonly boot: () => Promise<PGlite>,
  ) {}

  /** The instance, booting it on first use. */
  instance(): Promise<PGlite> {
    return this.boot();
  }

  /** Waits for the session to be free, then holds it until `release()`. */
  async acquire(): Promise<void> {
    if (this.#busy) await new Promise<void>((r) => this.#queue.push(r));
    this.#busy = true;
  }

  release(): void {
    const next = this.#queue.shift();
    if (next) next();
    else this.#busy = false;
  }

  /** Runs `fn` with the session to itself. */
  async run<T>(fn: (lite: PGlite) => Promise<T>): Promise<T> {
    // The instance is asked for once the session is held: a restart (loadExtensions) holds it too.
    await this.acquire();
    try {
      return await fn(await this.instance());
    } finally {
      this.release();
    }
  }
}

export type { Results };
