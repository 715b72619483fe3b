import { existsSync, statSync } from 'node:fs';
import type { DatabaseTarget } from '../config/index.js';
import type { FileVitals } from './types.js';

function fileSize(path: string): number {
  return existsSync(path) ? statSync(path).size : 0;
}

/** The database file's and its write-ahead log's sizes (0 in memory or when absent). */
export function fileFacts(target: DatabaseTarget, walPath: (path: string) => string): FileVitals {
  const path = target.path ?? ':memory:';
  const memory = target.memory;
  return { kind: 'file', path, sizeBytes: memory ? 0 : fileSize(path), walBytes: memory ? 0 : fileSize(walPath(path)) };
}
