import { EventdbError } from '../errors.js';
import type { Shape } from './platform.js';
import { PROFILES, type ProfileName } from './types.js';

/** A fixed reference instant, used for `now` when `--seed` is given without `--now`. */
export const REFERENCE_NOW = new Date('2025-06-01T12:00:00.000Z');

/**
 * Table sizes per profile. `load` is calibrated so that scale N gives about N × 100,000
 * registrations; everything else grows in proportion.
 */
export function shapeFor(profile: ProfileName, scale = 1): Shape | null {
  switch (profile) {
    case 'minimal':
      return null;
    case 'demo':
      return { users: 300, venues: 20, events: 80, sessions: 500, viewsPerSession: 4, daysBack: 120, daysAhead: 90, minCapacity: 15, maxCapacity: 80 };
    case 'load':
      return {
        users: 20_000 * scale,
        venues: 50 * scale,
        events: 1_200 * scale,
        sessions: 20_000 * scale,
        viewsPerSession: 5,
        daysBack: 365,
        daysAhead: 180,
        minCapacity: 40,
        maxCapacity: 200,
      };
  }
}

export function parseProfile(value: string): ProfileName {
  if ((PROFILES as readonly string[]).includes(value)) return value as ProfileName;
  throw new EventdbError('USAGE', `unknown seed profile "${value}"`, `use one of: ${PROFILES.join(', ')}`);
}
