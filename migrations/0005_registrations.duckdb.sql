-- Registrations, waitlist, attendance and feedback (DuckDB analytics copy). No capacity trigger:
-- the data rule "no event over capacity" reports overbooked events instead.
-- eventdb:depends-on 0004_events

-- eventdb:up
CREATE SEQUENCE registrations_id_seq;
CREATE TABLE registrations (
  id BIGINT PRIMARY KEY DEFAULT nextval('registrations_id_seq'),
  user_id BIGINT NOT NULL REFERENCES users (id),
  event_id BIGINT NOT NULL REFERENCES events (id),
  status VARCHAR NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'confirmed', 'cancelled', 'waitlisted', 'attended')),
  created_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
  updated_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
  cancelled_at TIMESTAMPTZ
);
CREATE UNIQUE INDEX registrations_user_event_key ON registrations (user_id, event_id);

CREATE TABLE waitlist (
  registration_id BIGINT PRIMARY KEY REFERENCES registrations (id),
  event_id BIGINT NOT NULL REFERENCES events (id),
  position INTEGER NOT NULL CHECK (position > 0),
  created_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
);
CREATE UNIQUE INDEX waitlist_event_position_key ON waitlist (event_id, position);

CREATE TABLE attendance (
  registration_id BIGINT PRIMARY KEY REFERENCES registrations (id),
  checked_in_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
  method VARCHAR NOT NULL DEFAULT 'qr' CHECK (method IN ('qr', 'manual', 'nfc', 'self_service')),
  checked_in_by BIGINT REFERENCES users (id)
);

CREATE TABLE feedback (
  registration_id BIGINT PRIMARY KEY REFERENCES attendance (registration_id),
  rating SMALLINT NOT NULL CHECK (rating BETWEEN 1 AND 5),
  comment VARCHAR,
  created_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
  updated_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
);

-- eventdb:down
DROP TABLE feedback;
DROP TABLE attendance;
DROP TABLE waitlist;
DROP TABLE registrations;
DROP SEQUENCE registrations_id_seq;
