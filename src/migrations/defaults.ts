/** How long a migration command waits for another process's migration lock, by default. */
export const DEFAULT_LOCK_TIMEOUT_MS = 60_000;
