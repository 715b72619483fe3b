-- Users (SQLite): timestamps are ISO-8601 UTC text (declared TIMESTAMPTZ), booleans 0/1. Email is
-- COLLATE NOCASE with a unique index, so 'A@x.io' and 'a@x.io' collide (NOCASE folds ASCII only).
-- eventdb:depends-on 0001_membership_tiers

-- eventdb:up
CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  email TEXT NOT NULL COLLATE NOCASE CHECK (email LIKE '%_@_%' AND length(email) <= 320),
  name TEXT NOT NULL CHECK (trim(name) <> ''),
  role TEXT NOT NULL DEFAULT 'attendee' CHECK (role IN ('attendee', 'organizer', 'venue_owner', 'admin')),
  membership_tier TEXT REFERENCES membership_tiers (code) ON UPDATE CASCADE ON DELETE RESTRICT,
  loyalty_points INTEGER NOT NULL DEFAULT 0 CHECK (loyalty_points >= 0),
  email_verified BOOLEAN NOT NULL DEFAULT 0 CHECK (email_verified IN (0, 1)),
  created_at TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  deleted_at TIMESTAMPTZ
);
CREATE UNIQUE INDEX users_email_key ON users (email);
CREATE INDEX users_active_role_idx ON users (role) WHERE deleted_at IS NULL;
CREATE INDEX users_membership_tier_idx ON users (membership_tier) WHERE membership_tier IS NOT NULL;

-- eventdb:down
DROP TABLE users;
