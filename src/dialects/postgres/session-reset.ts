/**
 * Undoes a migration's session changes (SET, set_config(…, false), SET ROLE, SET SESSION
 * AUTHORIZATION) back to the connection's own settings: RESET restores the values the session
 * started with, so statement_timeout and URL `options` set at connect stay. Valid in a transaction.
 */
export const PG_SESSION_RESET: readonly string[] = ['set session authorization default', 'reset all', 'reset role'];
