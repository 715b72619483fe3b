import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const KYSELY = fileURLToPath(new URL('../../node_modules/kysely/dist/esm/index.d.ts', import.meta.url));

/**
 * Compiles each case — its files (name → text: the generated `database.ts` and a program using it), in a
 * folder of its own under `work` — with `tsc --strict` against the project's Kysely, all in one program
 * (one type-check is seconds); returns each case's diagnostics as `file:line: message`.
 */
export function compileCases(work: string, cases: Record<string, Record<string, string>>): Record<string, string[]> {
  const files: string[] = [];
  for (const [name, c] of Object.entries(cases)) {
    const dir = join(work, name);
    mkdirSync(dir, { recursive: true });
    for (const [file, text] of Object.entries(c)) {
      writeFileSync(join(dir, file), text);
      files.push(join(dir, file));
    }
  }
  const program = ts.createProgram(files, {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    paths: { kysely: [KYSELY] },
    types: ['node'],
    typeRoots: [fileURLToPath(new URL('../../node_modules/@types', import.meta.url))],
    skipLibCheck: true,
  });
  const out: Record<string, string[]> = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const f = d.file?.fileName ?? '';
    const name = Object.keys(cases).find((k) => f.startsWith(join(work, k) + '/')) ?? Object.keys(cases)[0]!;
    out[name]!.push(`${f ? `${f.split('/').pop()}:${d.file!.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}: ` : ''}${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
  }
  return out;
}
