/**
 * Generators for the event platform's tables. Every row is a pure function of (seed, now, shape,
 * id offsets): entity i's values come from `Random` streams keyed by i, so a table can be
 * re-walked to derive another (attendance from registrations) without holding either in memory.
 *
 * Data rules kept by construction: confirmed + attended registrations never exceed an event's
 * capacity; only published events have registrations; attendance only for attended registrations;
 * feedback only from attendance; users.loyalty_points equals the sum of the user's ledger and never
 * goes negative; timestamps are ordered (created ≤ updated, starts < ends, check-in near the start,
 * nothing after `now`).
 */
import { Random, hashString } from './random.js';
import * as W from './words.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const MIN = 60_000;

export interface Shape {
  users: number;
  venues: number;
  events: number;
  sessions: number;
  /** Mean page views per session. */
  viewsPerSession: number;
  /** Events start between `now - daysBack` and `now + daysAhead`. */
  daysBack: number;
  daysAhead: number;
  /** Event capacity range (also bounded by the venue's). */
  minCapacity: number;
  maxCapacity: number;
}

export interface Tier {
  code: string;
  minPoints: number;
}

export interface Plan {
  seed: number;
  now: Date;
  shape: Shape;
  /** Highest existing id per table (0 when empty); new rows continue after it (`--append`). */
  base: Record<string, number>;
  /** Category ids in the order of W.CATEGORIES. */
  categoryIds: number[];
  tiers: Tier[];
}

/** One table's rows, generated lazily. */
export interface TableGen {
  table: string;
  columns: string[];
  /** Rows the generator will produce, when known in advance (for progress). */
  expected?: number;
  rows(): Iterable<unknown[]>;
}

// Weighted and plain choices drawn per row, made once (not an array literal per call).
const LEDGER_ENTRIES = [[0, 2], [1, 3], [2, 3], [3, 2], [5, 1], [8, 1]] as const;
const PAST_STATUS = [['attended', 75], ['confirmed', 15], ['cancelled', 10]] as const;
const UPCOMING_STATUS = [['confirmed', 80], ['pending', 10], ['cancelled', 10]] as const;
const CHECK_IN_METHODS = [['qr', 70], ['manual', 10], ['nfc', 12], ['self_service', 8]] as const;
const RATINGS = [[5, 40], [4, 35], [3, 15], [2, 6], [1, 4]] as const;
const PAGES = ['/', '/search', '/venues', '/account', '/events'];

const S = {
  user: hashString('user'),
  userTime: hashString('user.created'),
  ledger: hashString('ledger'),
  venue: hashString('venue'),
  event: hashString('event'),
  reg: hashString('registration'),
  session: hashString('session'),
  views: hashString('page_views'),
} as const;

/** Large primes for walking users without repeats: stride coprime with the user count. */
const STRIDES = [7_919, 104_729, 1_299_709, 15_485_863, 32_452_843, 49_979_687];

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/**
 * The platform's generators. Each timestamp they yield is `timestamp(ms)`: a Date by default; the CSV
 * writer takes the checked milliseconds themselves (no Date made per value: ~1.5M at load --scale 3).
 */
export function createGenerators(plan: Plan, timestamp: (ms: number) => unknown = (ms) => new Date(ms)): { [table: string]: TableGen } {
  const { seed, shape, base } = plan;
  const now = plan.now.getTime();
  const today = Math.floor(now / DAY) * DAY;
  const r = new Random(seed);
  const U = shape.users;
  const b = (t: string) => base[t] ?? 0;
  const userId = (i: number) => b('users') + i;

  // ---- users and their ledger ------------------------------------------------------------------
  const organizerCount = U >= 2 ? Math.floor((U - 2) / 25) + 1 : 0;
  const ownerCount = U >= 3 ? Math.floor((U - 3) / 40) + 1 : 0;
  const organizerAt = (k: number) => userId(2 + 25 * k);
  const ownerAt = (k: number) => userId(3 + 40 * k);
  const role = (i: number) => (i === 1 ? 'admin' : i % 25 === 2 ? 'organizer' : i % 40 === 3 ? 'venue_owner' : 'attendee');
  const userCreated = (i: number) => {
    r.reset(seed, S.userTime, i);
    return today - r.int(30, 900) * DAY + r.int(0, 86_399) * 1000;
  };
  /** The user's ledger entries, oldest first; their sum is the balance and never dips below 0. */
  const ledger = (i: number, visit?: (points: number, reason: string, at: number) => void): number => {
    const created = userCreated(i);
    r.reset(seed, S.ledger, i);
    const n = r.weighted(LEDGER_ENTRIES);
    let balance = 0;
    let at = created + HOUR;
    const step = Math.max(HOUR, Math.floor((now - at) / (n + 1)));
    for (let k = 0; k < n; k++) {
      let points: number;
      let reason: string;
      if (k === 0) {
        points = 100;
        reason = 'welcome bonus';
      } else if (balance >= 200 && r.chance(0.3)) {
        points = -Math.max(1, Math.min(balance, r.int(50, 800)));
        reason = 'redeemed: ticket discount';
      } else {
        points = r.chance(0.12) ? r.int(3_000, 12_000) : r.int(50, 1_500);
        reason = r.pick(W.LEDGER_EARN_REASONS);
      }
      balance += points;
      at = Math.min(now, at + r.int(1, step));
      visit?.(points, reason, at);
    }
    return balance;
  };
  const tiers = [...plan.tiers].sort((x, y) => y.minPoints - x.minPoints);
  const tierFor = (points: number) => tiers.find((t) => points >= t.minPoints)?.code ?? null;

  const users: TableGen = {
    table: 'users',
    columns: ['id', 'email', 'name', 'role', 'membership_tier', 'loyalty_points', 'email_verified', 'created_at', 'updated_at', 'deleted_at'],
    expected: U,
    *rows() {
      for (let i = 1; i <= U; i++) {
        const created = timestamp(userCreated(i));
        const balance = ledger(i);
        r.reset(seed, S.user, i);
        const first = r.pick(W.FIRST_NAMES);
        const last = r.pick(W.LAST_NAMES);
        const id = userId(i);
        yield [id, `${first}.${last}.${id}@example.com`.toLowerCase(), `${first} ${last}`, role(i), tierFor(balance), balance, r.chance(0.85), created, created, null];
      }
    },
  };

  const ledgerGen: TableGen = {
    table: 'loyalty_ledger',
    columns: ['id', 'user_id', 'event_id', 'points', 'reason', 'created_at'],
    *rows() {
      let id = b('loyalty_ledger');
      const out: unknown[][] = [];
      for (let i = 1; i <= U; i++) {
        const uid = userId(i);
        ledger(i, (points, reason, at) => out.push([++id, uid, null, points, reason, timestamp(at)]));
        yield* out;
        out.length = 0;
      }
    },
  };

  // ---- venues and categories -------------------------------------------------------------------
  const venueInfo = (v: number) => {
    r.reset(seed, S.venue, v);
    const [city, country, tz] = r.pick(W.CITIES);
    const name = `${r.pick(W.VENUE_ADJECTIVES)} ${r.pick(W.VENUE_WORDS)}`;
    const address = `${r.int(1, 300)} ${r.pick(W.STREETS)}`;
    const capacity = r.pick([80, 120, 200, 350, 500, 800, 1_500, 3_000]);
    const owner = ownerCount > 0 && r.chance(0.6) ? ownerAt(r.int(0, ownerCount - 1)) : null;
    const created = today - r.int(400, 1_400) * DAY;
    return { city, country, tz, name, address, capacity, owner, created };
  };
  const venues: TableGen = {
    table: 'venues',
    columns: ['id', 'owner_id', 'name', 'address', 'city', 'country', 'capacity', 'created_at', 'updated_at'],
    expected: shape.venues,
    *rows() {
      for (let v = 1; v <= shape.venues; v++) {
        const x = venueInfo(v);
        const created = timestamp(x.created);
        yield [b('venues') + v, x.owner, `${x.name} ${x.city}`, x.address, x.city, x.country, x.capacity, created, created];
      }
    },
  };

  // ---- events ----------------------------------------------------------------------------------
  const C = plan.categoryIds.length;
  const eventInfo = (e: number) => {
    r.reset(seed, S.event, e);
    const venue = r.int(1, Math.max(1, shape.venues));
    const cat = C ? r.int(0, C - 1) : -1;
    const prefix = r.pick(W.TITLE_PREFIXES);
    const noun = r.pick(cat >= 0 ? W.CATEGORIES[cat % W.CATEGORIES.length]!.nouns : ['Meetup']);
    const starts = today + r.int(-shape.daysBack, shape.daysAhead) * DAY + r.int(9, 20) * HOUR + r.pick([0, 15, 30, 45]) * MIN;
    const ends = starts + r.int(1, 6) * HOUR;
    const past = starts < now;
    const status = past ? r.weighted([['published', 92], ['cancelled', 8]] as const) : r.weighted([['published', 80], ['draft', 12], ['cancelled', 8]] as const);
    const capWanted = r.int(shape.minCapacity, shape.maxCapacity);
    const fill = r.around(0.85, 0.4, 0.05, 1.3);
    const free = r.chance(0.3);
    const price = free ? 0 : r.int(5, 150) + r.pick([0, 0.5, 0.99]);
    const currency = r.pick(W.CURRENCIES);
    const allowed = r.chance(0.1) ? r.pick(['["diamond","black"]', '["black"]', '["platinum","diamond","black"]']) : null;
    const tags = JSON.stringify(r.sample(W.TAGS, r.int(0, 3)).sort());
    const featured = r.chance(0.05);
    const organizer = organizerCount > 0 ? organizerAt(r.int(0, organizerCount - 1)) : null;
    const created = Math.min(starts, now) - r.int(10, 120) * DAY;
    const start = r.int(0, Math.max(0, U - 1));
    let stride = STRIDES[r.int(0, STRIDES.length - 1)]!;
    for (let k = 0; U > 0 && gcd(stride % U || U, U) !== 1 && k < STRIDES.length; k++) stride = STRIDES[k]!;
    if (U > 0 && gcd(stride % U || U, U) !== 1) stride = 1;
    const vi = venueInfo(venue);
    const capacity = Math.max(1, Math.min(vi.capacity, capWanted));
    const demand = status === 'published' && organizer !== null ? Math.min(U, Math.round(capacity * fill)) : 0;
    return { id: b('events') + e, venueId: b('venues') + venue, venue: vi, cat, prefix, noun, starts, ends, past, status, capacity, price, currency, allowed, tags, featured, organizer, created, start, stride, demand };
  };
  const events: TableGen = {
    table: 'events',
    columns: ['id', 'organizer_id', 'venue_id', 'category_id', 'title', 'description', 'location', 'status', 'starts_at', 'ends_at', 'timezone', 'capacity', 'price', 'currency', 'allowed_tiers', 'tags', 'metadata', 'created_at', 'updated_at'],
    expected: shape.events,
    *rows() {
      if (organizerCount === 0 || shape.venues === 0) return;
      for (let e = 1; e <= shape.events; e++) {
        const x = eventInfo(e);
        const created = timestamp(x.created);
        yield [
          x.id, x.organizer, x.venueId, x.cat >= 0 ? plan.categoryIds[x.cat] : null,
          `${x.prefix} ${x.noun} in ${x.venue.city}`,
          `${x.noun} at ${x.venue.name}, ${x.venue.city}. Doors open 30 minutes before the start.`,
          `${x.venue.name}, ${x.venue.address}, ${x.venue.city}`,
          x.status, timestamp(x.starts), timestamp(x.ends), x.venue.tz, x.capacity, x.price, x.currency, x.allowed, x.tags,
          x.featured ? '{"featured":true}' : '{}', created, created,
        ];
      }
    },
  };

  // ---- registrations and what follows from them -----------------------------------------------
  interface Reg {
    id: number;
    userId: number;
    eventId: number;
    status: 'pending' | 'confirmed' | 'cancelled' | 'waitlisted' | 'attended';
    created: number;
    cancelled: number | null;
    position: number;
    organizer: number;
    starts: number;
    ends: number;
  }
  const rr = new Random(seed);
  /**
   * Walks the registrations in id order, computing their status and times (one reused object).
   * `only` visits just the registrations that can be waitlisted (upcoming events, past capacity) or
   * attended (past events, within capacity): registration n draws from its own stream, so the others
   * are skipped by counting them, and the rows visited are the same as in a full walk.
   */
  function* walk(only?: 'waitlisted' | 'attended'): Generator<Reg> {
    if (organizerCount === 0 || shape.venues === 0 || U === 0) return;
    let n = 0;
    const reg = {} as Reg;
    for (let e = 1; e <= shape.events; e++) {
      const x = eventInfo(e);
      if (!x.demand) continue;
      const before = n;
      n += x.demand;
      let from = 0;
      let to = x.demand;
      if (only === 'attended') {
        if (!x.past) continue;
        to = Math.min(to, x.capacity);
      } else if (only === 'waitlisted') {
        if (x.past) continue;
        from = Math.min(to, x.capacity);
      }
      const last = Math.min(now, x.starts);
      for (let k = from; k < to; k++) {
        const i = before + k + 1;
        rr.reset(seed, S.reg, i);
        reg.id = b('registrations') + i;
        reg.userId = userId(1 + ((x.start + k * x.stride) % U));
        reg.eventId = x.id;
        reg.organizer = x.organizer!;
        reg.starts = x.starts;
        reg.ends = x.ends;
        reg.position = 0;
        if (k < x.capacity) {
          reg.status = x.past ? rr.weighted(PAST_STATUS) : rr.weighted(UPCOMING_STATUS);
        } else if (x.past) {
          reg.status = 'cancelled';
        } else {
          reg.status = 'waitlisted';
          reg.position = k - x.capacity + 1;
        }
        reg.created = x.created + Math.floor(rr.next() * (last - x.created));
        reg.cancelled = reg.status === 'cancelled' ? reg.created + Math.floor(rr.next() * (last - reg.created)) : null;
        yield reg;
      }
    }
  }

  const registrations: TableGen = {
    table: 'registrations',
    columns: ['id', 'user_id', 'event_id', 'status', 'created_at', 'updated_at', 'cancelled_at'],
    *rows() {
      for (const g of walk()) {
        const created = timestamp(g.created);
        const cancelled = g.cancelled === null ? null : timestamp(g.cancelled);
        yield [g.id, g.userId, g.eventId, g.status, created, cancelled ?? created, cancelled];
      }
    },
  };
  const waitlist: TableGen = {
    table: 'waitlist',
    columns: ['registration_id', 'event_id', 'position', 'created_at'],
    *rows() {
      for (const g of walk('waitlisted')) if (g.status === 'waitlisted') yield [g.id, g.eventId, g.position, timestamp(g.created)];
    },
  };
  /** Attendance and feedback draw after the registration's own draws, from the same stream. */
  const checkIn = (g: Reg) => {
    const at = Math.min(now, g.starts - 30 * MIN + rr.int(0, 90) * MIN);
    const method = rr.weighted(CHECK_IN_METHODS);
    const by = rr.chance(0.5) ? g.organizer : null;
    return { at, method, by };
  };
  const attendance: TableGen = {
    table: 'attendance',
    columns: ['registration_id', 'checked_in_at', 'method', 'checked_in_by'],
    *rows() {
      for (const g of walk('attended')) {
        if (g.status !== 'attended') continue;
        const c = checkIn(g);
        yield [g.id, timestamp(c.at), c.method, c.by];
      }
    },
  };
  const feedback: TableGen = {
    table: 'feedback',
    columns: ['registration_id', 'rating', 'comment', 'created_at', 'updated_at'],
    *rows() {
      for (const g of walk('attended')) {
        if (g.status !== 'attended') continue;
        const c = checkIn(g);
        if (!rr.chance(0.4)) continue;
        const rating = rr.weighted(RATINGS);
        const comment = rr.chance(0.6) ? rr.pick(W.COMMENTS) : null;
        const at = timestamp(Math.max(c.at, Math.min(now, g.ends + rr.int(1, 72) * HOUR)));
        yield [g.id, rating, comment, at, at];
      }
    },
  };

  // ---- visitor sessions and page views ---------------------------------------------------------
  /** A session's user and times: the first draws of its stream (all that its page views need). */
  const sessionTimes = (s: number) => {
    r.reset(seed, S.session, s);
    const user = U > 0 && r.chance(0.6) ? userId(r.int(1, U)) : null;
    const started = now - r.int(0, Math.max(1, shape.daysBack) * 86_400) * 1000;
    const lastSeen = Math.min(now, started + r.int(0, 7_200) * 1000);
    return { user, started, lastSeen };
  };
  /** The whole session: its times, then the draws after them from the same stream. */
  const sessionInfo = (s: number) => {
    const { user, started, lastSeen } = sessionTimes(s);
    return { user, started, lastSeen, key: r.hex(16), agent: r.pick(W.USER_AGENTS), referrer: r.chance(0.5) ? r.pick(W.REFERRERS) : null, country: r.pick(W.CITIES)[1] };
  };
  const sessions: TableGen = {
    table: 'visitor_sessions',
    columns: ['id', 'session_key', 'user_id', 'started_at', 'last_seen_at', 'user_agent', 'referrer', 'country'],
    expected: shape.sessions,
    *rows() {
      for (let s = 1; s <= shape.sessions; s++) {
        const x = sessionInfo(s);
        const id = b('visitor_sessions') + s;
        yield [id, `${id.toString(36)}-${x.key}`, x.user, timestamp(x.started), timestamp(x.lastSeen), x.agent, x.referrer, x.country];
      }
    },
  };
  const pageViews: TableGen = {
    table: 'page_views',
    columns: ['id', 'session_id', 'event_id', 'path', 'viewed_at', 'duration_ms'],
    *rows() {
      let id = b('page_views');
      const pv = new Random(seed);
      const E = organizerCount > 0 && shape.venues > 0 ? shape.events : 0;
      for (let s = 1; s <= shape.sessions; s++) {
        const x = sessionTimes(s);
        pv.reset(seed, S.views, s);
        const n = pv.int(1, Math.max(1, 2 * shape.viewsPerSession - 1));
        for (let j = 0; j < n; j++) {
          const event = E > 0 && pv.chance(0.7) ? b('events') + pv.int(1, E) : null;
          const path = event !== null ? `/events/${event}` : pv.pick(PAGES);
          const at = x.started + Math.floor(((x.lastSeen - x.started) * j) / n);
          yield [++id, b('visitor_sessions') + s, event, path, timestamp(at), pv.int(500, 300_000)];
        }
      }
    },
  };

  return {
    users,
    venues,
    events,
    registrations,
    waitlist,
    attendance,
    feedback,
    loyalty_ledger: ledgerGen,
    visitor_sessions: sessions,
    page_views: pageViews,
  };
}

/** Load order: parents before children. */
export const PLATFORM_ORDER = ['users', 'venues', 'events', 'registrations', 'waitlist', 'attendance', 'feedback', 'loyalty_ledger', 'visitor_sessions', 'page_views'] as const;

/**
 * For an engine that loads tables side by side: lane 0 first, in PLATFORM_ORDER; then lanes 1 and 2
 * at once, each in PLATFORM_ORDER. No table of one of them refers to a table of the other (their
 * parents are all in lane 0 or in the lane itself), and they hold about the same number of rows.
 */
export const PLATFORM_LANES: Readonly<Record<(typeof PLATFORM_ORDER)[number], number>> = {
  users: 0,
  venues: 0,
  events: 0,
  registrations: 1,
  waitlist: 1,
  attendance: 1,
  feedback: 1,
  loyalty_ledger: 2,
  visitor_sessions: 2,
  page_views: 2,
};

/** Tables that hold platform data (reference tables excluded); `--reset` empties these, children first. */
export const DATA_TABLES = ['page_views', 'visitor_sessions', 'audit_log', 'feedback', 'attendance', 'waitlist', 'loyalty_ledger', 'registrations', 'events', 'venues', 'users'] as const;
