import type { Connection } from '../../dialects/types.js';
import { EventdbError } from '../../errors.js';
import type { CheckContext } from '../types.js';

export function needConnection(ctx: CheckContext): Connection {
  if (!ctx.conn) throw new EventdbError('INTERNAL', 'this check needs a database connection', 'report this as a bug');
  return ctx.conn;
}
