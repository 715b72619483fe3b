/** A SQLite file's first bytes (checkDatabaseFile, file-checks.ts). */
export const MAGIC = { offset: 0, bytes: 'SQLite format 3\0' };
