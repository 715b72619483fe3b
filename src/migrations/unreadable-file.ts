import { readlinkSync } from 'node:fs';
import { EventdbError } from '../errors.js';

/**
 * A migration file that cannot be read (MIGRATION_UNREADABLE, exit 2): `e` is the error of opening or
 * stat-ing it. A dangling symbolic link names where it points. Not an fs error: undefined (the caller rethrows).
 */
export function unreadableError(file: string, e: unknown): EventdbError | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return undefined;
  let target: string | undefined;
  try {
    target = readlinkSync(file);
  } catch {
    target = undefined;
  }
  if (code === 'ENOENT' && target !== undefined) {
    return new EventdbError('MIGRATION_UNREADABLE', `${file} is a symbolic link to ${target}, which does not exist`, 'restore the file it points to, or remove the link from the migrations folder', { cause: e });
  }
  if (code === 'ELOOP') return new EventdbError('MIGRATION_UNREADABLE', `${file} is a loop of symbolic links`, 'point the link at a real file, or remove it from the migrations folder', { cause: e });
  if (code === 'EACCES' || code === 'EPERM') return new EventdbError('MIGRATION_UNREADABLE', `${file} cannot be read: permission denied`, 'give the user running eventdb read access to it (chmod a+r), or move it out of the migrations folder', { cause: e });
  if (code === 'ENOENT') return new EventdbError('MIGRATION_UNREADABLE', `${file} disappeared while it was being read`, 'run the command again; if it persists, check what removes files in the migrations folder', { cause: e });
  if (code === 'EISDIR') return new EventdbError('MIGRATION_UNREADABLE', `${file} is a folder, not a migration file`, 'rename the folder (a name starting with `_` is ignored) or move it out of the migrations folder', { cause: e });
  if (code === 'EIO' || code === 'ENXIO' || code === 'ESTALE') return new EventdbError('MIGRATION_UNREADABLE', `${file} cannot be read (${code})`, 'check the disk or network mount the migrations folder is on, then run the command again', { cause: e });
  return undefined;
}
