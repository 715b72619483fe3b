import { postgresSyntax } from '../postgres/lexical.js';
import type { SqlSyntax } from '../sql-syntax.js';

/** DuckDB's lexical rules for statement ends: PostgreSQL's (its parser derives from PostgreSQL's). */
export const duckdbSyntax: SqlSyntax = postgresSyntax;
