-- Events (DuckDB analytics copy): no partial or full-text indexes (DuckDB has neither), no
-- secondary indexes (column scans serve analytics better than ART indexes).
-- eventdb:depends-on 0003_venues_and_categories

-- eventdb:up
CREATE SEQUENCE events_id_seq;
CREATE TABLE events (
  id BIGINT PRIMARY KEY DEFAULT nextval('events_id_seq'),
  organizer_id BIGINT NOT NULL REFERENCES users (id),
  venue_id BIGINT REFERENCES venues (id),
  category_id BIGINT REFERENCES event_categories (id),
  title VARCHAR NOT NULL CHECK (trim(title) <> '' AND length(title) <= 200),
  description VARCHAR,
  location VARCHAR,
  status VARCHAR NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published', 'cancelled', 'completed')),
  starts_at TIMESTAMPTZ NOT NULL,
  ends_at TIMESTAMPTZ NOT NULL,
  timezone VARCHAR NOT NULL DEFAULT 'UTC',
  capacity INTEGER NOT NULL CHECK (capacity > 0),
  price DECIMAL(10,2) NOT NULL DEFAULT 0 CHECK (price >= 0),
  currency VARCHAR NOT NULL DEFAULT 'USD' CHECK (length(currency) = 3 AND upper(currency) = currency),
  allowed_tiers JSON,
  tags JSON NOT NULL DEFAULT '[]',
  metadata JSON NOT NULL DEFAULT '{}',
  created_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
  updated_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
  CONSTRAINT events_ends_after_starts CHECK (ends_at > starts_at)
);

-- eventdb:down
DROP TABLE events;
DROP SEQUENCE events_id_seq;
