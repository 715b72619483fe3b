import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import durations from './durations.json' with { type: 'json' };

/**
 * Runs the longest test files first, so that neither of CI's two workers is left with a long file at
 * the end while the other idles. Vitest does this from its own cache of the last run's durations
 * (node_modules/.vite), but a fresh clone has none and falls back to file size — which put the
 * smallest files, migrate diff's property tests (a few lines each, up to 94 s), last. Here a file's
 * weight is its duration in vitest's cache, else in durations.json (seconds, from a whole run:
 * `npx vitest run --reporter=json --outputFile=F`, each file's endTime − startTime); a file in neither
 * is new and runs first.
 */
export class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const known = durations as Record<string, number>;
    const weight = (f: TestSpecification): number => {
      const path = relative(this.ctx.config.root, f.moduleId);
      const cached = this.ctx.cache.getFileTestResults(`${f.project.name}:${path}`)?.duration;
      if (cached !== undefined) return cached / 1000;
      return known[path] ?? Number.POSITIVE_INFINITY;
    };
    return [...files].sort((a, b) => weight(b) - weight(a));
  }
}
