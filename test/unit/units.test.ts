import { describe, expect, it } from 'vitest';
import { EventdbError } from '../../src/errors.js';
import { formatBytes, formatDuration, parseDuration } from '../../src/units.js';

describe('parseDuration: the one duration grammar', () => {
  it('reads a plain number in the setting\'s unit (seconds by default) and every suffix', () => {
    expect(parseDuration('30', '--lock-timeout')).toBe(30_000);
    expect(parseDuration(30, '--lock-timeout')).toBe(30_000);
    expect(parseDuration('1.5', '--lock-timeout')).toBe(1500);
    expect(parseDuration('500ms', '--x')).toBe(500);
    expect(parseDuration('30s', '--x')).toBe(30_000);
    expect(parseDuration('5m', '--x')).toBe(300_000);
    expect(parseDuration('5min', '--x')).toBe(300_000);
    expect(parseDuration(' 2h ', '--x')).toBe(7_200_000);
    expect(parseDuration('1d', '--x')).toBe(86_400_000);
    expect(parseDuration('26', '--max-backup-age', { plainUnit: 'h' })).toBe(26 * 3_600_000);
    expect(parseDuration('10000', 'env:EVENTDB_POOL_IDLE_TIMEOUT', { plainUnit: 'ms' })).toBe(10_000);
  });

  it('refuses anything else with a USAGE (flags) or CONFIG (settings) error naming where it came from', () => {
    for (const bad of ['soon', '-5', '5 years', '', '1e3', '5mm', 'ms']) {
      const e = (() => {
        try {
          parseDuration(bad, '--lock-timeout');
        } catch (x) {
          return x;
        }
      })() as EventdbError;
      expect(e, bad).toBeInstanceOf(EventdbError);
      expect(e.code).toBe('USAGE');
      expect(e.exitCode).toBe(2);
      expect(e.message).toBe(`invalid duration "${bad}" for --lock-timeout`);
      expect(e.hint).toBe('use a number of seconds, or a value like 500ms, 30s, 5m, 2h, 1d');
    }
    expect(() => parseDuration('x', 'env:EVENTDB_CONNECT_TIMEOUT', { code: 'CONFIG' })).toThrow(expect.objectContaining({ code: 'CONFIG', exitCode: 2 }));
    expect(() => parseDuration(-1, '--ttl')).toThrow('invalid duration "-1" for --ttl');
    expect(() => parseDuration('500ms', '--every', { minMs: 1000 })).toThrow('--every 500ms is too short: at least 1.0 s');
  });
});

describe('formatBytes and formatDuration: one unit system for all output', () => {
  it('uses decimal units, as transfer rates and object stores count', () => {
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(1000)).toBe('1.0 KB');
    expect(formatBytes(3_000_000)).toBe('3.0 MB');
    expect(formatBytes(1_200_000_000)).toBe('1.2 GB');
    expect(formatDuration(850)).toBe('850 ms');
    expect(formatDuration(12_300)).toBe('12.3 s');
  });
});
