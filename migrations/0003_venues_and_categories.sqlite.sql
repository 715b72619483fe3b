-- Venues (the venue survives its owner's deletion) and event categories.
-- eventdb:depends-on 0002_users

-- eventdb:up
CREATE TABLE venues (
  id INTEGER PRIMARY KEY,
  owner_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
  name TEXT NOT NULL CHECK (trim(name) <> ''),
  address TEXT NOT NULL,
  city TEXT NOT NULL CHECK (trim(city) <> ''),
  country TEXT,
  capacity INTEGER NOT NULL CHECK (capacity > 0),
  created_at TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX venues_city_idx ON venues (city);
CREATE INDEX venues_owner_idx ON venues (owner_id);

CREATE TABLE event_categories (
  id INTEGER PRIMARY KEY,
  slug TEXT NOT NULL CHECK (slug = lower(slug) AND trim(slug) <> ''),
  name TEXT NOT NULL CHECK (trim(name) <> ''),
  description TEXT,
  created_at TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE UNIQUE INDEX event_categories_slug_key ON event_categories (slug);

-- eventdb:down
DROP TABLE event_categories;
DROP TABLE venues;
