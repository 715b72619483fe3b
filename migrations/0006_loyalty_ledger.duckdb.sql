-- The loyalty ledger (DuckDB analytics copy). No trigger keeps users.loyalty_points in step; the
-- data rules report a negative balance.
-- eventdb:depends-on 0004_events

-- eventdb:up
CREATE SEQUENCE loyalty_ledger_id_seq;
CREATE TABLE loyalty_ledger (
  id BIGINT PRIMARY KEY DEFAULT nextval('loyalty_ledger_id_seq'),
  user_id BIGINT NOT NULL REFERENCES users (id),
  event_id BIGINT REFERENCES events (id),
  points INTEGER NOT NULL CHECK (points <> 0),
  reason VARCHAR NOT NULL CHECK (trim(reason) <> ''),
  created_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
);

-- eventdb:down
DROP TABLE loyalty_ledger;
DROP SEQUENCE loyalty_ledger_id_seq;
