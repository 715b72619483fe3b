-- Users (DuckDB analytics copy). Keys come from sequences (DuckDB has no identity columns);
-- foreign keys cannot carry ON DELETE/ON UPDATE actions in DuckDB, so they act as NO ACTION.
-- eventdb:depends-on 0001_membership_tiers

-- eventdb:up
CREATE SEQUENCE users_id_seq;
CREATE TABLE users (
  id BIGINT PRIMARY KEY DEFAULT nextval('users_id_seq'),
  email VARCHAR NOT NULL CHECK (email LIKE '%_@_%' AND length(email) <= 320),
  name VARCHAR NOT NULL CHECK (trim(name) <> ''),
  role VARCHAR NOT NULL DEFAULT 'attendee' CHECK (role IN ('attendee', 'organizer', 'venue_owner', 'admin')),
  membership_tier VARCHAR REFERENCES membership_tiers (code),
  loyalty_points INTEGER NOT NULL DEFAULT 0 CHECK (loyalty_points >= 0),
  email_verified BOOLEAN NOT NULL DEFAULT false,
  created_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
  updated_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
  deleted_at TIMESTAMPTZ
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

-- eventdb:down
DROP TABLE users;
DROP SEQUENCE users_id_seq;
