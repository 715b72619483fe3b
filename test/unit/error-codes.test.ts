import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, EXIT, EventdbError, isErrorCode } from '../../src/errors.js';

const root = join(import.meta.dirname, '..', '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

function section(heading: string): string {
  const start = readme.indexOf(`${heading}\n`);
  expect(start, `README has "${heading}"`).toBeGreaterThanOrEqual(0);
  const rest = readme.slice(start + heading.length + 1);
  const end = rest.search(/\n#{2,3} /);
  return end < 0 ? rest : rest.slice(0, end);
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? sourceFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('the error-code catalogue', () => {
  it('matches the README "Error codes" table row for row: same codes, same exit statuses', () => {
    const rows = [...section('### Error codes').matchAll(/^\| `([A-Z0-9_]+)` \| (\d+) \| (.+) \|$/gm)].map((m) => [m[1]!, Number(m[2])] as const);
    const catalogue = Object.entries(ERROR_CODES).map(([code, e]) => [code, e.exit as number] as const);
    expect(new Map(rows)).toEqual(new Map(catalogue));
    expect(rows.length).toBe(catalogue.length);
  });

  it('every exit status in the catalogue is explained in the README "Exit codes" table', () => {
    const listed = new Set([...section('## Exit codes').matchAll(/^\| (\d+)[ ,]/gm)].map((m) => Number(m[1])));
    for (const status of Object.values(EXIT)) expect(listed, `exit ${status}`).toContain(status);
  });

  it('every catalogued code is raised somewhere in src (no dead entries), and every raised code is catalogued', () => {
    const text = sourceFiles(join(root, 'src'))
      .filter((f) => !f.endsWith('error-codes.ts'))
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    for (const code of Object.keys(ERROR_CODES)) expect(text, code).toContain(`'${code}'`);
    const raised = [...text.matchAll(/new EventdbError\(\s*'([A-Z0-9_]+)'/g)].map((m) => m[1]!);
    expect(raised.length).toBeGreaterThan(50);
    expect(raised.filter((c) => !isErrorCode(c))).toEqual([]);
  });

  it('gives each code one exit status; BACKUP_BEFORE_FAILED takes its cause\'s', () => {
    expect(new EventdbError('LOCK_TIMEOUT', 'm').exitCode).toBe(4);
    expect(new EventdbError('RESTORE_REFUSED', 'm').exitCode).toBe(5);
    expect(new EventdbError('PATH_NOT_FOUND', 'm').exitCode).toBe(2);
    expect(new EventdbError('NOT_FOUND', 'm').exitCode).toBe(1);
    const auth = new EventdbError('AUTH', 'wrong key');
    expect(new EventdbError('BACKUP_BEFORE_FAILED', 'm', 'h', { cause: auth }).exitCode).toBe(3);
    expect(new EventdbError('BACKUP_BEFORE_FAILED', 'm', 'h', { cause: new Error('plain') }).exitCode).toBe(1);
  });
});
