-- The audit log (SQLite): the table only; the application writes it (no audit trigger on SQLite).

-- eventdb:up
CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY,
  table_name TEXT NOT NULL,
  row_id TEXT,
  action TEXT NOT NULL CHECK (action IN ('INSERT', 'UPDATE', 'DELETE')),
  old_values JSON CHECK (old_values IS NULL OR json_valid(old_values)),
  new_values JSON CHECK (new_values IS NULL OR json_valid(new_values)),
  changed_by TEXT,
  changed_at TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX audit_log_table_row_idx ON audit_log (table_name, row_id);
CREATE INDEX audit_log_changed_at_idx ON audit_log (changed_at);

-- eventdb:down
DROP TABLE audit_log;
