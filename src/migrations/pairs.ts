import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { EventdbError } from '../errors.js';
import { normalizeText } from './checksum.js';
import type { MigrationFileName } from './file-name.js';
import { hasSql, parseSqlMigration, type SqlMigrationFile } from './sql-file.js';

/**
 * Migrations written as two files (golang-migrate, sqlx, pop): `ID[.ENGINE].up.sql` and, optionally,
 * `ID[.ENGINE].down.sql`. The loader reads such a pair as one migration: the up file is read as any
 * SQL migration is (plain SQL, or eventdb's sections), the down file is the down section.
 */

interface Named extends MigrationFileName {
  file: string;
  downFile?: string;
}

/**
 * The files of one ID that can run on `engine` (whole files and up files, each chooses as before) with
 * the down file each up file uses: its own engine's (`ID.sqlite.down.sql`), else the portable one
 * (`ID.down.sql`) — as popx pairs them, each direction chosen on its own. A down file for this engine
 * without any up file, two down files for one engine (`sqlite` and `sqlite3`), or a down file beside a
 * whole migration file is a problem, and the ID is left out (undefined).
 */
export function pairHalves<T extends Named>(id: string, files: T[], engine: string, problems: EventdbError[]): T[] | undefined {
  if (!files.some((f) => f.half)) return files;
  const downs = files.filter((f) => f.half === 'down');
  const candidates = files.filter((f) => f.half !== 'down');
  const downsOf = (variant: string) => downs.filter((d) => d.variant === variant);
  for (const variant of [engine, 'portable']) {
    const two = downsOf(variant);
    if (two.length > 1) {
      problems.push(new EventdbError('DUPLICATE_ID', `duplicate migration ID ${id}: ${two.map((f) => basename(f.file)).join(', ')}`, 'keep one down file per engine (sqlite and sqlite3 name the same engine)'));
      return undefined;
    }
  }
  const down = downFor(downs, engine);
  if (!down) return candidates;
  const usable = candidates.filter((f) => f.variant === engine || f.variant === 'portable');
  if (!usable.length) {
    const up = basename(down.file).replace(/\.down\.sql$/, '.up.sql');
    problems.push(new EventdbError('BAD_MIGRATION', `${down.file} has no up file for ${engine} beside it (migration ${id})`, `add ${up} with the migration's SQL, or remove the down file`));
    return undefined;
  }
  const whole = usable.find((f) => !f.half);
  if (whole) {
    problems.push(new EventdbError('BAD_MIGRATION', `${basename(down.file)} is beside ${basename(whole.file)}, a whole migration (migration ${id})`, 'keep the undo SQL in one place: a pair of .up.sql/.down.sql files, or one file with `-- eventdb:down`'));
    return undefined;
  }
  return candidates.map((f) => (f.half === 'up' && (f.variant === engine || f.variant === 'portable') ? { ...f, downFile: down.file } : f));
}

/**
 * The down file an up file for `engine` uses among its ID's down files: the engine's own
 * (`ID.sqlite.down.sql`), else the portable one (`ID.down.sql`). The loader and `migrate lint` both pair by it.
 */
export function downFor<T extends Pick<MigrationFileName, 'variant'>>(downs: readonly T[], engine: string): T | undefined {
  return downs.find((d) => d.variant === engine) ?? downs.find((d) => d.variant === 'portable');
}

/** A pair's checksum: both files' (each of its normalised bytes), so an edit of either counts as a change. */
export function pairChecksum(up: string, down: string): string {
  return createHash('sha256').update(`${up}\n${down}`).digest('hex');
}

/**
 * An up file read as any SQL migration (strictly; one without SQL is a no-op), its down file as the down section: SQL, or an
 * explicit no-op when it holds none (golang-migrate runs an empty down file as nothing to undo). An up
 * file with a down section of its own beside a down file is refused: which one would run?
 */
export function parseHalves(upText: string, upFile: string, downText: string | undefined, downFile: string | undefined): SqlMigrationFile {
  // An up file without SQL (pop writes them for engines that need nothing) is a recorded no-op, as an empty up section is.
  const noop = !hasSql(normalizeText(upText));
  const up: SqlMigrationFile = noop ? { up: '', upLine: 1, noop: true, dependsOn: [], transaction: true, riskAccepted: [], bare: true } : parseSqlMigration(upText, upFile);
  if (downText === undefined || downFile === undefined) return up;
  if (up.down !== undefined || up.downLine !== undefined) {
    throw new EventdbError('BAD_MIGRATION', `${upFile} has a down section, and ${basename(downFile)} is beside it`, 'keep the undo SQL in one place: the down file, or the `-- eventdb:down` section');
  }
  const text = normalizeText(downText);
  const body = text.trimStart();
  const line = 1 + (text.slice(0, text.length - body.length).match(/\n/g)?.length ?? 0);
  return { ...up, down: hasSql(text) ? body.trimEnd() : '', downLine: line };
}
