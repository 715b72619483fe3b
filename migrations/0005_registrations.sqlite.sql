-- Registrations, waitlist, attendance and feedback (SQLite). Capacity is enforced by a trigger
-- (0009_triggers). Feedback references attendance, so only an attended registration can be rated.
-- eventdb:depends-on 0004_events

-- eventdb:up
CREATE TABLE registrations (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  event_id INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
  status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'confirmed', 'cancelled', 'waitlisted', 'attended')),
  created_at TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  cancelled_at TIMESTAMPTZ
);
CREATE UNIQUE INDEX registrations_user_event_key ON registrations (user_id, event_id);
CREATE INDEX registrations_event_status_idx ON registrations (event_id, status);

CREATE TABLE waitlist (
  registration_id INTEGER PRIMARY KEY REFERENCES registrations (id) ON DELETE CASCADE,
  event_id INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
  position INTEGER NOT NULL CHECK (position > 0),
  created_at TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE UNIQUE INDEX waitlist_event_position_key ON waitlist (event_id, position);

CREATE TABLE attendance (
  registration_id INTEGER PRIMARY KEY REFERENCES registrations (id) ON DELETE CASCADE,
  checked_in_at TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  method TEXT NOT NULL DEFAULT 'qr' CHECK (method IN ('qr', 'manual', 'nfc', 'self_service')),
  checked_in_by INTEGER REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX attendance_checked_in_by_idx ON attendance (checked_in_by) WHERE checked_in_by IS NOT NULL;

CREATE TABLE feedback (
  registration_id INTEGER PRIMARY KEY REFERENCES attendance (registration_id) ON DELETE CASCADE,
  rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
  comment TEXT,
  created_at TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- eventdb:down
DROP TABLE feedback;
DROP TABLE attendance;
DROP TABLE waitlist;
DROP TABLE registrations;
