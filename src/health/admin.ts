import type { IncomingMessage } from 'node:http';
import type { ResolvedConfig } from '../config/index.js';
import { EventdbError, messageOf } from '../errors.js';

export interface AdminResponse {
  status: number;
  body: Record<string, unknown>;
}

let busy = false;

/**
 * The admin endpoints (only mounted when an admin token is configured, and only reached once it
 * matched): POST /admin/backup, GET /admin/backups, POST /admin/restore (needs --allow-http-restore).
 * One admin operation runs at a time; a second one gets 409.
 */
export async function handleAdmin(path: string, req: IncomingMessage, config: ResolvedConfig, opts: { allowHttpRestore: boolean }): Promise<AdminResponse> {
  const route = `${req.method} ${path}`;
  const routes = ['POST /admin/backup', 'GET /admin/backups', 'POST /admin/restore'];
  if (!routes.includes(route)) {
    const known = routes.find((r) => r.endsWith(` ${path}`));
    if (known) return fail(405, 'METHOD', `${path} takes ${known.split(' ')[0]}`, `use ${known}`);
    return fail(404, 'NOT_FOUND', `no admin endpoint ${path}`, `admin endpoints: ${routes.join(', ')}`);
  }
  if (route === 'POST /admin/restore' && !opts.allowHttpRestore) {
    return fail(403, 'RESTORE_DISABLED', 'restore over HTTP is disabled', 'start the server with --allow-http-restore to enable POST /admin/restore');
  }
  let body: Record<string, unknown>;
  try {
    body = req.method === 'POST' ? await readJson(req) : {};
  } catch (e) {
    return fail(400, 'USAGE', messageOf(e), e instanceof EventdbError ? e.hint : '');
  }
  const mod = await import('../backup/index.js');
  if (busy) return fail(409, 'BUSY', 'another admin operation is running', 'retry when it has finished');
  busy = true;
  try {
    if (route === 'GET /admin/backups') {
      return { status: 200, body: { ok: true, snapshots: await mod.listSnapshots(config) } };
    }
    if (route === 'POST /admin/backup') {
      // The tag is checked like --tag: a string of printable text (400 otherwise).
      return { status: 200, body: { ok: true, backup: await mod.createBackup(config, { tag: mod.checkTag(body.tag, 'the "tag" field') }) } };
    }
    // A wrong-typed field is refused, never read as "not given" (which would restore the newest snapshot).
    if (body.snapshot !== undefined && (typeof body.snapshot !== 'string' || body.snapshot === '')) {
      return fail(400, 'USAGE', 'the "snapshot" field must be a snapshot id (a non-empty string)', 'send {"snapshot": "<id>"}, or no "snapshot" for the newest one');
    }
    if (body.ifNewer !== undefined && typeof body.ifNewer !== 'boolean') return fail(400, 'USAGE', 'the "ifNewer" field must be true or false', 'send {"ifNewer": true}');
    const sel = body.snapshot !== undefined ? { id: body.snapshot as string } : { latest: true };
    return { status: 200, body: { ok: true, restore: await mod.restoreSnapshot(config, { ...sel, ifNewer: body.ifNewer === true }) } };
  } catch (e) {
    const err = e instanceof EventdbError ? e : undefined;
    const status = err?.exitCode === 2 ? 400 : err?.code === 'NOT_FOUND' ? 404 : err?.exitCode === 4 || err?.exitCode === 5 ? 409 : 500;
    return fail(status, err?.code ?? 'INTERNAL', messageOf(e), err?.hint ?? '');
  } finally {
    busy = false;
  }
}

function fail(status: number, code: string, message: string, hint: string): AdminResponse {
  return { status, body: { ok: false, error: { code, message, hint } } };
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > 64 * 1024) throw new EventdbError('USAGE', 'request body over 64 KiB', 'send a small JSON object');
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (!text) return {};
  try {
    const v = JSON.parse(text) as unknown;
    if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
    return v as Record<string, unknown>;
  } catch {
    throw new EventdbError('USAGE', 'request body is not a JSON object', 'send e.g. {"snapshot": "<id>"} or nothing');
  }
}
