-- Venues and event categories (DuckDB analytics copy).
-- eventdb:depends-on 0002_users

-- eventdb:up
CREATE SEQUENCE venues_id_seq;
CREATE TABLE venues (
  id BIGINT PRIMARY KEY DEFAULT nextval('venues_id_seq'),
  owner_id BIGINT REFERENCES users (id),
  name VARCHAR NOT NULL CHECK (trim(name) <> ''),
  address VARCHAR NOT NULL,
  city VARCHAR NOT NULL CHECK (trim(city) <> ''),
  country VARCHAR,
  capacity INTEGER NOT NULL CHECK (capacity > 0),
  created_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
  updated_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
);

CREATE SEQUENCE event_categories_id_seq;
CREATE TABLE event_categories (
  id BIGINT PRIMARY KEY DEFAULT nextval('event_categories_id_seq'),
  slug VARCHAR NOT NULL CHECK (slug = lower(slug) AND trim(slug) <> ''),
  name VARCHAR NOT NULL CHECK (trim(name) <> ''),
  description VARCHAR,
  created_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
);
CREATE UNIQUE INDEX event_categories_slug_key ON event_categories (slug);

-- eventdb:down
DROP TABLE event_categories;
DROP SEQUENCE event_categories_id_seq;
DROP TABLE venues;
DROP SEQUENCE venues_id_seq;
