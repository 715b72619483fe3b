-- Visitor tracking for analytics (SQLite).
-- eventdb:depends-on 0004_events

-- eventdb:up
CREATE TABLE visitor_sessions (
  id INTEGER PRIMARY KEY,
  session_key TEXT NOT NULL,
  user_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
  started_at TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  last_seen_at TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  user_agent TEXT,
  referrer TEXT,
  country TEXT,
  CONSTRAINT visitor_sessions_seen_after_start CHECK (julianday(last_seen_at) >= julianday(started_at))
);
CREATE UNIQUE INDEX visitor_sessions_key_key ON visitor_sessions (session_key);
CREATE INDEX visitor_sessions_user_idx ON visitor_sessions (user_id) WHERE user_id IS NOT NULL;

CREATE TABLE page_views (
  id INTEGER PRIMARY KEY,
  session_id INTEGER NOT NULL REFERENCES visitor_sessions (id) ON DELETE CASCADE,
  event_id INTEGER REFERENCES events (id) ON DELETE SET NULL,
  path TEXT NOT NULL,
  viewed_at TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  duration_ms INTEGER CHECK (duration_ms >= 0)
);
CREATE INDEX page_views_session_idx ON page_views (session_id, viewed_at);
CREATE INDEX page_views_event_idx ON page_views (event_id, viewed_at) WHERE event_id IS NOT NULL;

-- eventdb:down
DROP TABLE page_views;
DROP TABLE visitor_sessions;
