/**
 * An example custom seed: `eventdb seed --file seeds/example.ts` (add `--append` when the database
 * already holds data, e.g. after `eventdb seed`).
 *
 * It adds a "Product Launch" event series at one venue, with registrations from existing users.
 * Everything random comes from `random` (seeded by --seed), and dates from `now` (--now), so the
 * rows are the same on every run and every engine. Rows go through `bulkInsert`, the engine's
 * fastest path; a generator keeps memory flat however many rows you produce.
 */
import { defineSeed } from 'eventdb';

export default defineSeed(async ({ db, random, bulkInsert, now }) => {
  const DAY = 86_400_000;
  const users = await db.selectFrom('users').select('id').orderBy('id').limit(500).execute();
  const organizer = users[0]?.id;
  if (organizer === undefined) throw new Error('run `eventdb seed` first: this seed needs users');

  const next = async (table: string, column = 'id') => {
    const r = await db.selectFrom(table).select(db.fn.max(column).as('m')).executeTakeFirst();
    return Number(r?.m ?? 0) + 1;
  };

  const venueId = await next('venues');
  await bulkInsert('venues', ['id', 'name', 'address', 'city', 'country', 'capacity', 'created_at', 'updated_at'], [
    [venueId, 'Launch Hall', '1 Harbour Street', 'Lisbon', 'PT', 400, new Date(now.getTime() - 90 * DAY), new Date(now.getTime() - 90 * DAY)],
  ]);

  const firstEvent = await next('events');
  const events = Array.from({ length: 6 }, (_, i) => {
    const starts = new Date(now.getTime() + (i * 14 - 28) * DAY + 18 * 3_600_000);
    return { id: firstEvent + i, starts, capacity: random.int(50, 150) };
  });
  await bulkInsert(
    'events',
    ['id', 'organizer_id', 'venue_id', 'title', 'status', 'starts_at', 'ends_at', 'capacity', 'price', 'created_at', 'updated_at'],
    events.map((e, i) => [e.id, organizer, venueId, `Product Launch #${i + 1}`, 'published', e.starts, new Date(e.starts.getTime() + 2 * 3_600_000), e.capacity, 0, new Date(now.getTime() - 60 * DAY), new Date(now.getTime() - 60 * DAY)]),
  );

  // Registrations: distinct users per event, never more confirmed than the capacity.
  let regId = await next('registrations');
  function* registrations() {
    for (const e of events) {
      for (const u of random.sample(users, Math.min(users.length, e.capacity))) {
        const at = new Date(e.starts.getTime() - random.int(1, 30) * DAY);
        yield [regId++, u.id, e.id, 'confirmed', at, at];
      }
    }
  }
  await bulkInsert('registrations', ['id', 'user_id', 'event_id', 'status', 'created_at', 'updated_at'], registrations());
});
