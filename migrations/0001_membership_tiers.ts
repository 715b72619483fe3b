/**
 * Membership tiers and their reference rows. Portable: Kysely compiles the same schema for
 * PostgreSQL, SQLite and DuckDB (text and integer columns only). `code` is NOT NULL explicitly:
 * SQLite lets a non-integer primary key hold NULL otherwise.
 */
import type { Kysely } from 'kysely';
import { sql } from 'kysely';

export const meta = { description: 'membership tiers (platinum, diamond, black) with their reference rows' };

export const TIERS = [
  { code: 'platinum', name: 'Platinum', rank: 1, min_points: 1000, description: 'Early registration and priority waitlist' },
  { code: 'diamond', name: 'Diamond', rank: 2, min_points: 5000, description: 'Platinum benefits plus members-only events' },
  { code: 'black', name: 'Black', rank: 3, min_points: 20000, description: 'Every benefit, including invitation-only events' },
];

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('membership_tiers')
    .addColumn('code', 'text', (c) => c.primaryKey().notNull().check(sql`code = lower(code) and trim(code) <> ''`))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('rank', 'integer', (c) => c.notNull().check(sql`rank > 0`))
    .addColumn('min_points', 'integer', (c) => c.notNull().defaultTo(0).check(sql`min_points >= 0`))
    .addColumn('description', 'text')
    .execute();
  await db.schema.createIndex('membership_tiers_rank_key').on('membership_tiers').column('rank').unique().execute();
  await db.insertInto('membership_tiers').values(TIERS).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('membership_tiers').execute();
}
