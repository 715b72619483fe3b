import { basename } from 'node:path';
import { EventdbError } from '../errors.js';
import type { Migration } from './types.js';

/** Problems of the dependency graph: unknown dependencies (naming the file) and cycles (printed a → b → a). */
export function graphProblems(migrations: Migration[]): EventdbError[] {
  const ids = new Set(migrations.map((m) => m.id));
  const problems: EventdbError[] = [];
  for (const m of migrations) {
    for (const d of m.dependsOn) {
      if (d === m.id) problems.push(new EventdbError('DEPENDENCY_CYCLE', `dependency cycle: ${m.id} → ${m.id}`, `remove the dependency of ${basename(m.file)} on itself`));
      else if (!ids.has(d)) problems.push(new EventdbError('UNKNOWN_DEPENDENCY', `${basename(m.file)} depends on unknown migration ${d}`, `check the ID (a filename without extension or engine suffix); known IDs look like ${migrations[0]?.id ?? '0001_init'}`));
    }
  }
  for (const cycle of findCycles(migrations)) {
    problems.push(new EventdbError('DEPENDENCY_CYCLE', `dependency cycle: ${cycle.join(' → ')}`, 'remove one of these depends-on entries so the migrations can be ordered'));
  }
  return problems;
}

/** Every elementary cycle found by a depth-first search (each reported once, starting at its smallest ID in file order). */
function findCycles(migrations: Migration[]): string[][] {
  const byId = new Map(migrations.map((m) => [m.id, m]));
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const visit = (id: string) => {
    state.set(id, 1);
    stack.push(id);
    for (const d of byId.get(id)?.dependsOn ?? []) {
      if (!byId.has(d) || d === id) continue;
      const s = state.get(d);
      if (s === 1) {
        const at = stack.indexOf(d);
        // The path runs a depends-on b depends-on c … back to a.
        cycles.push([...stack.slice(at), d]);
      } else if (s === undefined) visit(d);
    }
    stack.pop();
    state.set(id, 2);
  };
  for (const m of migrations) if (!state.has(m.id)) visit(m.id);
  return cycles;
}

/**
 * The order migrations apply in: dependencies first, otherwise file (ID) order — stable and
 * deterministic. Throws the first graph problem.
 */
export function orderMigrations(migrations: Migration[]): Migration[] {
  const problems = graphProblems(migrations);
  if (problems.length) throw problems[0]!;
  const index = new Map(migrations.map((m, i) => [m.id, i]));
  const indegree = migrations.map((m) => m.dependsOn.length);
  const dependents = migrations.map(() => [] as number[]);
  migrations.forEach((m, i) => m.dependsOn.forEach((d) => dependents[index.get(d)!]!.push(i)));
  // A min-heap on file position keeps the result stable.
  const heap: number[] = [];
  const push = (v: number) => {
    heap.push(v);
    let i = heap.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (heap[p]! <= heap[i]!) break;
      [heap[p], heap[i]] = [heap[i]!, heap[p]!];
      i = p;
    }
  };
  const pop = (): number => {
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && heap[l]! < heap[m]!) m = l;
        if (r < heap.length && heap[r]! < heap[m]!) m = r;
        if (m === i) break;
        [heap[m], heap[i]] = [heap[i]!, heap[m]!];
        i = m;
      }
    }
    return top;
  };
  indegree.forEach((d, i) => d === 0 && push(i));
  const out: Migration[] = [];
  while (heap.length) {
    const i = pop();
    out.push(migrations[i]!);
    for (const j of dependents[i]!) if (--indegree[j]! === 0) push(j);
  }
  return out;
}

export type GraphFormat = 'text' | 'mermaid' | 'dot';

/** The dependency graph: explicit depends-on edges plus file order for migrations without any. */
export function renderGraph(ordered: Migration[], format: GraphFormat, states: Map<string, string> = new Map()): string {
  const q = (s: string) => JSON.stringify(s);
  const edges: Array<[string, string, boolean]> = [];
  ordered.forEach((m, i) => {
    if (m.dependsOn.length) for (const d of m.dependsOn) edges.push([d, m.id, true]);
    else if (i > 0) edges.push([ordered[i - 1]!.id, m.id, false]);
  });
  if (format === 'mermaid') {
    const node = (id: string) => `m${ordered.findIndex((m) => m.id === id)}`;
    const lines = ['graph TD'];
    for (const m of ordered) lines.push(`  ${node(m.id)}[${q(states.has(m.id) ? `${m.id} (${states.get(m.id)})` : m.id)}]`);
    for (const [a, b, explicit] of edges) lines.push(`  ${node(a)} ${explicit ? '-->' : '-.->'} ${node(b)}`);
    return lines.join('\n');
  }
  if (format === 'dot') {
    const lines = ['digraph migrations {', '  rankdir=LR;'];
    for (const m of ordered) lines.push(`  ${q(m.id)}${states.has(m.id) ? ` [label=${q(`${m.id}\\n${states.get(m.id)}`)}]` : ''};`);
    for (const [a, b, explicit] of edges) lines.push(`  ${q(a)} -> ${q(b)}${explicit ? '' : ' [style=dashed]'};`);
    lines.push('}');
    return lines.join('\n');
  }
  return ordered
    .map((m) => `${m.id}${states.has(m.id) ? `  [${states.get(m.id)}]` : ''}${m.dependsOn.length ? `  ← depends on ${m.dependsOn.join(', ')}` : ''}`)
    .join('\n');
}
