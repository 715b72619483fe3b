import type { Kysely } from 'kysely';

/**
 * The base class of class-shaped migrations: default-export a subclass with `async up()` (and
 * `async down()`), running SQL through `this.executeSQL(sql)` or Kysely through `this.db`. The
 * runner supplies both, inside the migration's transaction.
 *
 * ```ts
 * import { BaseMigration } from 'eventdb';
 * export default class AddWaitlist extends BaseMigration {
 *   id = '0007'; version = 7; name = 'add_waitlist'; description = 'waitlist table'; category = 'schema';
 *   async up() { await this.executeSQL('CREATE TABLE waitlist (id integer primary key)'); }
 *   async down() { await this.executeSQL('DROP TABLE waitlist'); }
 * }
 * ```
 */
export abstract class BaseMigration {
  id?: string;
  version?: number | string;
  name?: string;
  description?: string;
  category?: string;
  /** IDs of migrations that must be applied first. */
  dependsOn?: string[];
  /** Run inside a transaction (default true). */
  transaction?: boolean;
  /** The database (the migration's transaction), set by the runner. */
  declare db: Kysely<any>;

  abstract up(): Promise<void>;
  down?(): Promise<void>;

  /** Runs SQL text (one or several statements) on the current engine; set by the runner. */
  executeSQL(_sql: string): Promise<void> {
    return Promise.reject(new Error('executeSQL is available only while eventdb runs the migration'));
  }
}
