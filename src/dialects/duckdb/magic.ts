/** A DuckDB file's magic, at byte 8 (checkDatabaseFile, file-checks.ts). */
export const MAGIC = { offset: 8, bytes: 'DUCK' };
