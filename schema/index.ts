/**
 * The event platform's expected schema: what `eventdb migrate up` creates (migrations/), declared so
 * that `validate` can compare a live database with it, `auto-fix` can create what is missing, and
 * `seed` knows what to fill. test/schema/expected.test.ts checks that the migrations produce exactly
 * this on every engine. Written with the schema-as-code authoring API (`import { table, text, … } from
 * 'eventdb'` in a project; here the source file), whose helpers name each engine's type.
 */
import type { Engine } from '../src/config/url.js';
import { bigint, boolean, defineSchema, defaults, foreignKey, index as anyIndex, integer, jsonb, numeric, smallint, table, text, timestamptz, unique, type ColumnOptions, type IndexOptions } from '../src/schema/authoring.js';
import type { DataRule, ReferentialAction } from '../src/schema/model.js';

const NOW = defaults.now;
const WITH_SECONDARY_INDEXES: Engine[] = ['postgres', 'sqlite'];

/** The table's own key: an identity column (PostgreSQL), the rowid (SQLite), a sequence (DuckDB). */
const id = (table: string) => bigint('id', { default: { duckdb: `nextval('${table}_id_seq')` }, identity: 'by default' });
const ref = (name: string, o: ColumnOptions = {}) => bigint(name, o);
const int = (name: string, o: ColumnOptions = {}) => integer(name, o);
const ts = (name: string, o: ColumnOptions = {}) => timestamptz(name, o);
const json = (name: string, o: ColumnOptions = {}) => jsonb(name, o);
const created = (name = 'created_at') => ts(name, { default: NOW });
const fk = (columns: string, refTable: string, refColumn: string, onDelete: ReferentialAction, onUpdate?: ReferentialAction) => foreignKey(columns, refTable, refColumn, { onDelete, onUpdate });
/** Secondary (non-unique) indexes exist on PostgreSQL and SQLite; DuckDB keeps unique ones only. */
const index = (name: string, columns: string[], o: IndexOptions = {}) => anyIndex(name, columns, { engines: WITH_SECONDARY_INDEXES, ...o });

const tables = [
  table('membership_tiers', {
    description: 'Membership tiers; users.membership_tier references one (or is null: no tier).',
    columns: [text('code'), text('name'), int('rank'), int('min_points', { default: '0' }), text('description', { nullable: true })],
    primaryKey: ['code'],
    indexes: [unique('membership_tiers_rank_key', ['rank'])],
    referenceRows: [
      { code: 'platinum', name: 'Platinum', rank: 1, min_points: 1000 },
      { code: 'diamond', name: 'Diamond', rank: 2, min_points: 5000 },
      { code: 'black', name: 'Black', rank: 3, min_points: 20000 },
    ],
  }),
  table('users', {
    description: 'Attendees, organizers, venue owners and admins; soft-deleted through deleted_at.',
    columns: [
      id('users'),
      text('email', { collate: { sqlite: 'nocase' } }),
      text('name'),
      text('role', { default: "'attendee'" }),
      text('membership_tier', { nullable: true }),
      int('loyalty_points', { default: '0' }),
      boolean('email_verified', { default: { postgres: 'false', sqlite: '0', duckdb: 'false' } }),
      created(),
      created('updated_at'),
      ts('deleted_at', { nullable: true }),
    ],
    primaryKey: ['id'],
    indexes: [
      // Case-insensitive uniqueness: lower(email) on PostgreSQL and DuckDB, a NOCASE column on SQLite.
      unique('users_email_key', ['lower(email)'], { engines: ['postgres', 'duckdb'] }),
      unique('users_email_key', ['email'], { engines: ['sqlite'] }),
      index('users_active_role_idx', ['role'], { where: 'deleted_at IS NULL' }),
      index('users_membership_tier_idx', ['membership_tier'], { where: 'membership_tier IS NOT NULL' }),
    ],
    foreignKeys: [fk('membership_tier', 'membership_tiers', 'code', 'RESTRICT', 'CASCADE')],
  }),
  table('venues', {
    columns: [id('venues'), ref('owner_id', { nullable: true }), text('name'), text('address'), text('city'), text('country', { nullable: true }), int('capacity'), created(), created('updated_at')],
    primaryKey: ['id'],
    indexes: [index('venues_city_idx', ['city']), index('venues_owner_idx', ['owner_id'])],
    foreignKeys: [fk('owner_id', 'users', 'id', 'SET NULL')],
  }),
  table('event_categories', {
    columns: [id('event_categories'), text('slug'), text('name'), text('description', { nullable: true }), created()],
    primaryKey: ['id'],
    indexes: [unique('event_categories_slug_key', ['slug'])],
  }),
  table('events', {
    description: 'Events; ends_at > starts_at is a check constraint on every engine.',
    columns: [
      id('events'),
      ref('organizer_id'),
      ref('venue_id', { nullable: true }),
      ref('category_id', { nullable: true }),
      text('title'),
      text('description', { nullable: true }),
      text('location', { nullable: true }),
      text('status', { default: "'draft'" }),
      ts('starts_at'),
      ts('ends_at'),
      text('timezone', { default: "'UTC'" }),
      int('capacity'),
      numeric('price', 10, 2, { default: '0' }),
      text('currency', { default: "'USD'" }),
      json('allowed_tiers', { nullable: true }),
      json('tags', { default: "'[]'" }),
      json('metadata', { default: "'{}'" }),
      created(),
      created('updated_at'),
    ],
    primaryKey: ['id'],
    indexes: [
      index('events_organizer_idx', ['organizer_id']),
      index('events_venue_starts_idx', ['venue_id', 'starts_at']),
      index('events_upcoming_idx', ['starts_at'], { where: "status = 'published'" }),
      index('events_category_upcoming_idx', ['category_id', 'starts_at'], { where: "status = 'published'" }),
      index('events_search_idx', ['event_search_vector(title, description, location)'], { using: 'gin', engines: ['postgres'] }),
    ],
    foreignKeys: [fk('organizer_id', 'users', 'id', 'RESTRICT'), fk('venue_id', 'venues', 'id', 'RESTRICT'), fk('category_id', 'event_categories', 'id', 'SET NULL')],
  }),
  table('registrations', {
    columns: [id('registrations'), ref('user_id'), ref('event_id'), text('status', { default: "'pending'" }), created(), created('updated_at'), ts('cancelled_at', { nullable: true })],
    primaryKey: ['id'],
    indexes: [unique('registrations_user_event_key', ['user_id', 'event_id']), index('registrations_event_status_idx', ['event_id', 'status'])],
    foreignKeys: [fk('user_id', 'users', 'id', 'CASCADE'), fk('event_id', 'events', 'id', 'CASCADE')],
  }),
  table('waitlist', {
    description: 'Waitlisted registrations in order; positions run 1..n per event.',
    columns: [ref('registration_id'), ref('event_id'), int('position'), created()],
    primaryKey: ['registration_id'],
    indexes: [unique('waitlist_event_position_key', ['event_id', 'position'])],
    foreignKeys: [fk('registration_id', 'registrations', 'id', 'CASCADE'), fk('event_id', 'events', 'id', 'CASCADE')],
  }),
  table('attendance', {
    columns: [ref('registration_id'), created('checked_in_at'), text('method', { default: "'qr'" }), ref('checked_in_by', { nullable: true })],
    primaryKey: ['registration_id'],
    indexes: [index('attendance_checked_in_by_idx', ['checked_in_by'], { where: 'checked_in_by IS NOT NULL' })],
    foreignKeys: [fk('registration_id', 'registrations', 'id', 'CASCADE'), fk('checked_in_by', 'users', 'id', 'SET NULL')],
  }),
  table('feedback', {
    description: 'One rating (1-5) per attended registration: the key references attendance.',
    columns: [ref('registration_id'), smallint('rating'), text('comment', { nullable: true }), created(), created('updated_at')],
    primaryKey: ['registration_id'],
    foreignKeys: [fk('registration_id', 'attendance', 'registration_id', 'CASCADE')],
  }),
  table('loyalty_ledger', {
    description: "Points earned (+) and spent (-); a user's balance is the sum.",
    columns: [id('loyalty_ledger'), ref('user_id'), ref('event_id', { nullable: true }), int('points'), text('reason'), created()],
    primaryKey: ['id'],
    indexes: [index('loyalty_ledger_user_created_idx', ['user_id', 'created_at']), index('loyalty_ledger_event_idx', ['event_id'], { where: 'event_id IS NOT NULL' })],
    foreignKeys: [fk('user_id', 'users', 'id', 'CASCADE'), fk('event_id', 'events', 'id', 'SET NULL')],
  }),
  table('visitor_sessions', {
    required: false,
    description: 'Analytics: visitor sessions, anonymous or a signed-in user.',
    columns: [id('visitor_sessions'), text('session_key'), ref('user_id', { nullable: true }), created('started_at'), created('last_seen_at'), text('user_agent', { nullable: true }), text('referrer', { nullable: true }), text('country', { nullable: true })],
    primaryKey: ['id'],
    indexes: [unique('visitor_sessions_key_key', ['session_key']), index('visitor_sessions_user_idx', ['user_id'], { where: 'user_id IS NOT NULL' })],
    foreignKeys: [fk('user_id', 'users', 'id', 'SET NULL')],
  }),
  table('page_views', {
    required: false,
    description: 'Analytics: page and event views per session.',
    columns: [id('page_views'), ref('session_id'), ref('event_id', { nullable: true }), text('path'), created('viewed_at'), int('duration_ms', { nullable: true })],
    primaryKey: ['id'],
    indexes: [index('page_views_session_idx', ['session_id', 'viewed_at']), index('page_views_event_idx', ['event_id', 'viewed_at'], { where: 'event_id IS NOT NULL' })],
    foreignKeys: [fk('session_id', 'visitor_sessions', 'id', 'CASCADE'), fk('event_id', 'events', 'id', 'SET NULL')],
  }),
  table('audit_log', {
    description: 'Who changed what and when; written by the audit trigger on PostgreSQL.',
    columns: [id('audit_log'), text('table_name'), text('row_id', { nullable: true }), text('action'), json('old_values', { nullable: true }), json('new_values', { nullable: true }), text('changed_by', { nullable: true }), created('changed_at')],
    primaryKey: ['id'],
    indexes: [index('audit_log_table_row_idx', ['table_name', 'row_id']), index('audit_log_changed_at_idx', ['changed_at'])],
  }),
];

const SEATED = "('confirmed', 'attended')";
const rules: DataRule[] = [
  {
    name: 'no-orphan-registrations',
    kind: 'orphans',
    description: 'every registration belongs to an existing user and event',
    table: 'registrations',
    level: 'error',
    sql: `select cast(r.id as text) as key from registrations r left join users u on u.id = r.user_id left join events e on e.id = r.event_id where u.id is null or e.id is null`,
  },
  {
    name: 'no-event-over-capacity',
    kind: 'capacity',
    description: 'no event has more confirmed or attended registrations than seats',
    table: 'events',
    level: 'error',
    sql: `select cast(e.id as text) as key from events e join registrations r on r.event_id = e.id and r.status in ${SEATED} group by e.id, e.capacity having count(*) > e.capacity`,
  },
  {
    name: 'no-duplicate-registrations',
    kind: 'duplicates',
    description: 'a user registers for an event at most once',
    table: 'registrations',
    level: 'error',
    sql: `select cast(user_id as text) || ':' || cast(event_id as text) as key from registrations group by user_id, event_id having count(*) > 1`,
  },
  {
    name: 'no-negative-loyalty-balance',
    kind: 'negative',
    description: "no user's loyalty ledger sums to less than zero",
    table: 'users',
    level: 'error',
    sql: `select cast(user_id as text) as key from loyalty_ledger group by user_id having sum(points) < 0`,
  },
  {
    name: 'loyalty-points-match-ledger',
    kind: 'custom',
    description: "users.loyalty_points equals the sum of the user's ledger",
    table: 'users',
    level: 'warning',
    sql: `select cast(u.id as text) as key from users u left join (select user_id, sum(points) as total from loyalty_ledger group by user_id) s on s.user_id = u.id where u.loyalty_points <> coalesce(s.total, 0)`,
  },
  {
    name: 'waitlist-holds-waitlisted-registrations',
    kind: 'custom',
    description: 'waitlist entries belong to waitlisted registrations of the same event, and every waitlisted registration has an entry',
    table: 'registrations',
    level: 'error',
    sql: `select cast(r.id as text) as key from registrations r left join waitlist w on w.registration_id = r.id where (r.status = 'waitlisted') <> (w.registration_id is not null) or w.event_id <> r.event_id`,
  },
  {
    name: 'events-end-after-start',
    kind: 'custom',
    description: 'every event ends after it starts',
    table: 'events',
    level: 'error',
    sql: {
      postgres: 'select cast(id as text) as key from events where ends_at <= starts_at',
      sqlite: 'select cast(id as text) as key from events where julianday(ends_at) <= julianday(starts_at)',
      duckdb: 'select cast(id as text) as key from events where ends_at <= starts_at',
    },
  },
];

const schema = defineSchema({
  engines: ['postgres', 'sqlite', 'duckdb'],
  tables,
  rules,
  notes: {
    postgres: [
      'updated_at, capacity, loyalty-balance and audit triggers; functions safe_event_registration, safe_event_unregistration, get_event_registration_stats, validate_business_rules, cleanup_audit_logs',
      'case-insensitive email through a unique index on lower(email) (no citext extension needed)',
    ],
    sqlite: [
      'timestamps are ISO-8601 UTC text, booleans 0/1, JSON is text checked by json_valid()',
      'email is COLLATE NOCASE (ASCII case folding only)',
      'triggers keep updated_at and users.loyalty_points, and refuse a confirmed registration beyond capacity; no audit trigger, no stored functions, no full-text index',
    ],
    duckdb: [
      'no triggers: updated_at, the capacity guard, the loyalty balance and the audit log are not maintained; the data rules report violations',
      'foreign keys without ON DELETE actions (DuckDB supports none; they behave as NO ACTION)',
      'no partial, secondary or full-text indexes: unique indexes only; keys come from sequences',
    ],
  },
});

export default schema;
