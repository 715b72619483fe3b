-- Triggers (SQLite): updated_at maintenance, the capacity guard that refuses a confirmed (or
-- attended) registration beyond the event's capacity, and the loyalty balance cache. SQLite runs
-- one writer at a time, so the count inside the trigger cannot race another registration.
-- eventdb:depends-on 0005_registrations
-- eventdb:depends-on 0006_loyalty_ledger

-- eventdb:up
CREATE TRIGGER users_set_updated_at AFTER UPDATE ON users FOR EACH ROW
WHEN NEW.updated_at IS OLD.updated_at
BEGIN
  UPDATE users SET updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = NEW.id;
END;

CREATE TRIGGER venues_set_updated_at AFTER UPDATE ON venues FOR EACH ROW
WHEN NEW.updated_at IS OLD.updated_at
BEGIN
  UPDATE venues SET updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = NEW.id;
END;

CREATE TRIGGER events_set_updated_at AFTER UPDATE ON events FOR EACH ROW
WHEN NEW.updated_at IS OLD.updated_at
BEGIN
  UPDATE events SET updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = NEW.id;
END;

CREATE TRIGGER registrations_set_updated_at AFTER UPDATE ON registrations FOR EACH ROW
WHEN NEW.updated_at IS OLD.updated_at
BEGIN
  UPDATE registrations SET updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = NEW.id;
END;

CREATE TRIGGER feedback_set_updated_at AFTER UPDATE ON feedback FOR EACH ROW
WHEN NEW.updated_at IS OLD.updated_at
BEGIN
  UPDATE feedback SET updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE registration_id = NEW.registration_id;
END;

CREATE TRIGGER registrations_capacity_insert BEFORE INSERT ON registrations FOR EACH ROW
WHEN NEW.status IN ('confirmed', 'attended')
BEGIN
  SELECT RAISE(ABORT, 'event is full: no seat left for a confirmed registration')
   WHERE (SELECT count(*) FROM registrations WHERE event_id = NEW.event_id AND status IN ('confirmed', 'attended'))
      >= (SELECT capacity FROM events WHERE id = NEW.event_id);
END;

CREATE TRIGGER registrations_capacity_update BEFORE UPDATE OF status, event_id ON registrations FOR EACH ROW
WHEN NEW.status IN ('confirmed', 'attended') AND (OLD.status NOT IN ('confirmed', 'attended') OR OLD.event_id <> NEW.event_id)
BEGIN
  SELECT RAISE(ABORT, 'event is full: no seat left for a confirmed registration')
   WHERE (SELECT count(*) FROM registrations WHERE event_id = NEW.event_id AND status IN ('confirmed', 'attended') AND id <> NEW.id)
      >= (SELECT capacity FROM events WHERE id = NEW.event_id);
END;

CREATE TRIGGER loyalty_ledger_apply_insert AFTER INSERT ON loyalty_ledger FOR EACH ROW
BEGIN
  UPDATE users SET loyalty_points = loyalty_points + NEW.points WHERE id = NEW.user_id;
END;

CREATE TRIGGER loyalty_ledger_apply_delete AFTER DELETE ON loyalty_ledger FOR EACH ROW
BEGIN
  UPDATE users SET loyalty_points = loyalty_points - OLD.points WHERE id = OLD.user_id;
END;

CREATE TRIGGER loyalty_ledger_apply_update AFTER UPDATE OF points, user_id ON loyalty_ledger FOR EACH ROW
BEGIN
  UPDATE users SET loyalty_points = loyalty_points - OLD.points WHERE id = OLD.user_id;
  UPDATE users SET loyalty_points = loyalty_points + NEW.points WHERE id = NEW.user_id;
END;

-- eventdb:down
DROP TRIGGER loyalty_ledger_apply_update;
DROP TRIGGER loyalty_ledger_apply_delete;
DROP TRIGGER loyalty_ledger_apply_insert;
DROP TRIGGER registrations_capacity_update;
DROP TRIGGER registrations_capacity_insert;
DROP TRIGGER feedback_set_updated_at;
DROP TRIGGER registrations_set_updated_at;
DROP TRIGGER events_set_updated_at;
DROP TRIGGER venues_set_updated_at;
DROP TRIGGER users_set_updated_at;
