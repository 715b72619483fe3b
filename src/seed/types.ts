import type { Kysely } from 'kysely';
import type { Engine } from '../config/url.js';
import type { Random } from './random.js';

export const PROFILES = ['minimal', 'demo', 'load'] as const;
export type ProfileName = (typeof PROFILES)[number];

export interface SeedOptions {
  /** Default `demo` (or none when `file` is given). */
  profile?: ProfileName;
  /** `load` only: N × 100,000 registrations. Default 1. */
  scale?: number;
  /** Default 42. */
  seed?: number;
  /** Dates are generated around this instant. Default: a fixed reference when `seed` was given, else today 00:00 UTC. */
  now?: Date;
  /** Whether the seed was given explicitly (decides the default `now`). */
  seedGiven?: boolean;
  /** Add to a database that already holds platform data (ids continue after the highest). */
  append?: boolean;
  /** Empty the platform tables first (development and test environments only). */
  reset?: boolean;
  /** Needed, with `yes`, to seed a production database. */
  allowProduction?: boolean;
  yes?: boolean;
  /** A custom seed module (TypeScript or JavaScript) exporting a function (default or `seed`). */
  file?: string;
  /** Rows per batch handed to the bulk loader. Default 8192. */
  batchSize?: number;
  /** Called after every batch. */
  onProgress?: (p: SeedProgress) => void;
}

export interface SeedProgress {
  table: string;
  rows: number;
  /** Rows expected for this table, when known. */
  expected?: number;
  elapsedMs: number;
  /** Rows loaded so far across all tables. */
  totalRows: number;
}

export interface SeedTableResult {
  table: string;
  rows: number;
  ms: number;
  rowsPerSec: number;
}

export interface SeedResult {
  engine: Engine;
  profile: ProfileName | null;
  file: string | null;
  scale: number | null;
  seed: number;
  now: string;
  mode: 'fresh' | 'append' | 'reset';
  /** Tables emptied by `reset`, with the rows they held. */
  cleared: Record<string, number>;
  tables: SeedTableResult[];
  totalRows: number;
  ms: number;
  rowsPerSec: number;
  notes: string[];
}

/** What a custom seed function receives. */
export interface SeedContext {
  /** The open database (Kysely). */
  db: Kysely<any>;
  engine: Engine;
  /** Deterministic randomness from `--seed`: the same numbers on every run and engine. */
  random: Random;
  /** The reference instant (from `--now`); generate dates relative to it. */
  now: Date;
  seed: number;
  /** `--scale` (default 1). */
  scale: number;
  /**
   * Loads rows through the engine's fastest path. `rows` is any iterable (sync or async) of
   * value arrays in `columns` order; they are batched, so a generator keeps memory constant.
   */
  bulkInsert(table: string, columns: string[], rows: Iterable<unknown[]> | AsyncIterable<unknown[]>): Promise<number>;
}

export type SeedFunction = (ctx: SeedContext) => Promise<void> | void;

/** Types a custom seed: `export default defineSeed(async ({ db, random, bulkInsert, now }) => { … })`. */
export function defineSeed(fn: SeedFunction): SeedFunction {
  return fn;
}
