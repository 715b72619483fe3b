-- Visitor tracking (DuckDB analytics copy).
-- eventdb:depends-on 0004_events

-- eventdb:up
CREATE SEQUENCE visitor_sessions_id_seq;
CREATE TABLE visitor_sessions (
  id BIGINT PRIMARY KEY DEFAULT nextval('visitor_sessions_id_seq'),
  session_key VARCHAR NOT NULL,
  user_id BIGINT REFERENCES users (id),
  started_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
  last_seen_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
  user_agent VARCHAR,
  referrer VARCHAR,
  country VARCHAR,
  CONSTRAINT visitor_sessions_seen_after_start CHECK (last_seen_at >= started_at)
);
CREATE UNIQUE INDEX visitor_sessions_key_key ON visitor_sessions (session_key);

CREATE SEQUENCE page_views_id_seq;
CREATE TABLE page_views (
  id BIGINT PRIMARY KEY DEFAULT nextval('page_views_id_seq'),
  session_id BIGINT NOT NULL REFERENCES visitor_sessions (id),
  event_id BIGINT REFERENCES events (id),
  path VARCHAR NOT NULL,
  viewed_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
  duration_ms INTEGER CHECK (duration_ms >= 0)
);

-- eventdb:down
DROP TABLE page_views;
DROP SEQUENCE page_views_id_seq;
DROP TABLE visitor_sessions;
DROP SEQUENCE visitor_sessions_id_seq;
