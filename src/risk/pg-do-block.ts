import type { Stmt } from './analysis.js';
import { pgQuery } from './pg-query.js';

/* libpg-query's JSON trees (the SQL one and the PL/pgSQL one) are walked untyped. */
type Node = Record<string, any>;

/** One static SQL statement of a DO block's body, parsed, with its text and line in the migration file. */
export interface InnerStatement {
  node: Node;
  stmt: Stmt;
}

/**
 * The static SQL statements a `DO $$ … $$` block runs (PL/pgSQL only): what PostgreSQL would execute
 * if every branch were taken — the statements of IF/CASE branches, loops and EXCEPTION handlers
 * included. Dynamic SQL (`EXECUTE '…'`) is not read: its text is only known at run time. A body
 * PL/pgSQL's grammar rejects, or a DO in another language, gives nothing (the block stays unread, as before).
 */
export function doBlockStatements(n: Node, s: Stmt): InnerStatement[] {
  const args = (n.args ?? []) as Node[];
  const arg = (name: string) => args.find((x) => x.DefElem?.defname === name)?.DefElem?.arg?.String?.sval as string | undefined;
  const body = arg('as');
  const language = (arg('language') ?? 'plpgsql').toLowerCase();
  if (body === undefined || language !== 'plpgsql') return [];
  let tag = 'eventdb_do';
  while (body.includes(`$${tag}$`)) tag += '_';
  let tree: Node;
  try {
    // The body as a function's, on one line with its header: the body's line 1 is PL/pgSQL's lineno 1.
    tree = pgQuery().parsePlPgSQLSync(`CREATE FUNCTION pg_temp.eventdb_do() RETURNS void LANGUAGE plpgsql AS $${tag}$${body}$${tag}$`) as Node;
  } catch {
    return [];
  }
  // Where the body starts in the statement (a dollar-quoted body appears verbatim; else line of the DO).
  const at = s.text.indexOf(body);
  const bodyLine = at < 0 ? s.line : s.line + (s.text.slice(0, at).match(/\n/g)?.length ?? 0);
  const found: Array<{ query: string; lineno: number }> = [];
  const visit = (x: unknown): void => {
    if (Array.isArray(x)) {
      for (const v of x) visit(v);
      return;
    }
    if (!x || typeof x !== 'object') return;
    const o = x as Node;
    const exec = o.PLpgSQL_stmt_execsql as Node | undefined;
    const query = exec?.sqlstmt?.PLpgSQL_expr?.query as string | undefined;
    if (query !== undefined) found.push({ query, lineno: (exec!.lineno as number | undefined) ?? 1 });
    for (const v of Object.values(o)) visit(v);
  };
  visit(tree.plpgsql_funcs);
  const out: InnerStatement[] = [];
  for (const { query, lineno } of found) {
    let stmts: Node[];
    try {
      stmts = (pgQuery().parseSync(query).stmts ?? []) as Node[];
    } catch {
      continue; // PL/pgSQL variables can make a statement SQL's grammar alone does not read
    }
    for (const st of stmts) out.push({ node: st.stmt as Node, stmt: { text: query.trim(), line: at < 0 ? s.line : bodyLine + lineno - 1 } });
  }
  return out;
}
