-- Events (SQLite). Start and end are compared with julianday(), which understands ISO-8601 with a
-- UTC offset. JSON columns must hold valid JSON. No full-text index here (PostgreSQL only).
-- eventdb:depends-on 0003_venues_and_categories

-- eventdb:up
CREATE TABLE events (
  id INTEGER PRIMARY KEY,
  organizer_id INTEGER NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
  venue_id INTEGER REFERENCES venues (id) ON DELETE RESTRICT,
  category_id INTEGER REFERENCES event_categories (id) ON DELETE SET NULL,
  title TEXT NOT NULL CHECK (trim(title) <> '' AND length(title) <= 200),
  description TEXT,
  location TEXT,
  status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published', 'cancelled', 'completed')),
  starts_at TIMESTAMPTZ NOT NULL CHECK (julianday(starts_at) IS NOT NULL),
  ends_at TIMESTAMPTZ NOT NULL CHECK (julianday(ends_at) IS NOT NULL),
  timezone TEXT NOT NULL DEFAULT 'UTC',
  capacity INTEGER NOT NULL CHECK (capacity > 0),
  price NUMERIC(10,2) NOT NULL DEFAULT 0 CHECK (price >= 0),
  currency TEXT NOT NULL DEFAULT 'USD' CHECK (length(currency) = 3 AND upper(currency) = currency),
  allowed_tiers JSON CHECK (allowed_tiers IS NULL OR (json_valid(allowed_tiers) AND json_type(allowed_tiers) = 'array')),
  tags JSON NOT NULL DEFAULT '[]' CHECK (json_valid(tags) AND json_type(tags) = 'array'),
  metadata JSON NOT NULL DEFAULT '{}' CHECK (json_valid(metadata) AND json_type(metadata) = 'object'),
  created_at TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  CONSTRAINT events_ends_after_starts CHECK (julianday(ends_at) > julianday(starts_at))
);
CREATE INDEX events_organizer_idx ON events (organizer_id);
CREATE INDEX events_venue_starts_idx ON events (venue_id, starts_at);
CREATE INDEX events_upcoming_idx ON events (starts_at) WHERE status = 'published';
CREATE INDEX events_category_upcoming_idx ON events (category_id, starts_at) WHERE status = 'published';

-- eventdb:down
DROP TABLE events;
