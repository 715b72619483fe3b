/**
 * Deterministic randomness for seed data. The same seed gives the same numbers on every machine,
 * engine and run: no Math.random, no clock. `Random.at(seed, label, index)` gives the generator of
 * one entity (say event 17) without walking those before it, so tables can be generated in any
 * order and re-walked to derive dependent tables (attendance from registrations) in constant memory.
 */

/** 32-bit FNV-1a of a string: turns a label (table, field) into a stream number. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A strong 32-bit integer mix (lowbias32). */
function mix(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/** sfc32: small, fast, and passes PractRand; 128 bits of state. */
export class Random {
  private a = 0;
  private b = 0;
  private c = 0;
  private d = 0;

  constructor(seed: number, stream = 0, index = 0) {
    this.reset(seed, stream, index);
  }

  /** A generator for entity `index` of the stream named `label`. */
  static at(seed: number, label: string, index = 0): Random {
    return new Random(seed, hashString(label), index);
  }

  /** Re-seeds in place (no allocation), for per-row generators in hot loops. */
  reset(seed: number, stream = 0, index = 0): this {
    this.a = mix(seed ^ 0x9e3779b9);
    this.b = mix(stream ^ 0x85ebca6b);
    this.c = mix((index ^ 0xc2b2ae35) + Math.floor(index / 0x100000000));
    this.d = 1;
    for (let i = 0; i < 12; i++) this.u32();
    return this;
  }

  /** A new independent generator derived from this one's seed material and a label. */
  fork(label: string): Random {
    return new Random(this.u32(), hashString(label), this.u32());
  }

  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.u32() / 0x100000000;
  }

  /** Integer in [min, max] inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** Picks by weight: `weighted([['a', 3], ['b', 1]])` gives 'a' three times as often. */
  weighted<T>(choices: ReadonlyArray<readonly [T, number]>): T {
    // Indexed loops: the seed calls this per row, and for…of with destructuring cost it ~2× here.
    const n = choices.length;
    let total = 0;
    for (let i = 0; i < n; i++) total += choices[i]![1];
    let x = this.next() * total;
    for (let i = 0; i < n; i++) {
      x -= choices[i]![1];
      if (x < 0) return choices[i]![0];
    }
    return choices[n - 1]![0];
  }

  /** Roughly normal (sum of three uniforms), clamped to [min, max]. */
  around(mean: number, spread: number, min = -Infinity, max = Infinity): number {
    const z = (this.next() + this.next() + this.next() - 1.5) / 1.5;
    return Math.min(max, Math.max(min, mean + z * spread));
  }

  /** `count` distinct picks from `items` (partial shuffle of a copy). */
  sample<T>(items: readonly T[], count: number): T[] {
    const copy = items.slice();
    const n = Math.min(count, copy.length);
    for (let i = 0; i < n; i++) {
      const j = i + Math.floor(this.next() * (copy.length - i));
      [copy[i], copy[j]] = [copy[j]!, copy[i]!];
    }
    return copy.slice(0, n);
  }

  /** Lower-case hex of `chars` characters. */
  hex(chars: number): string {
    let s = '';
    while (s.length < chars) s += this.u32().toString(16).padStart(8, '0');
    return s.slice(0, chars);
  }
}
