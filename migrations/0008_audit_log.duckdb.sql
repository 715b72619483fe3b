-- The audit log (DuckDB analytics copy): copied rows only; nothing writes it here (no triggers).

-- eventdb:up
CREATE SEQUENCE audit_log_id_seq;
CREATE TABLE audit_log (
  id BIGINT PRIMARY KEY DEFAULT nextval('audit_log_id_seq'),
  table_name VARCHAR NOT NULL,
  row_id VARCHAR,
  action VARCHAR NOT NULL CHECK (action IN ('INSERT', 'UPDATE', 'DELETE')),
  old_values JSON,
  new_values JSON,
  changed_by VARCHAR,
  changed_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
);

-- eventdb:down
DROP TABLE audit_log;
DROP SEQUENCE audit_log_id_seq;
