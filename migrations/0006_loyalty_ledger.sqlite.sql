-- The loyalty ledger (SQLite); users.loyalty_points follows it through a trigger (0009_triggers).
-- eventdb:depends-on 0004_events

-- eventdb:up
CREATE TABLE loyalty_ledger (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  event_id INTEGER REFERENCES events (id) ON DELETE SET NULL,
  points INTEGER NOT NULL CHECK (points <> 0),
  reason TEXT NOT NULL CHECK (trim(reason) <> ''),
  created_at TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX loyalty_ledger_user_created_idx ON loyalty_ledger (user_id, created_at);
CREATE INDEX loyalty_ledger_event_idx ON loyalty_ledger (event_id) WHERE event_id IS NOT NULL;

-- eventdb:down
DROP TABLE loyalty_ledger;
