import type { CheckStatus, HealthReport } from './types.js';

const STATUSES: CheckStatus[] = ['ok', 'warn', 'fail', 'skipped'];

export interface MetricsExtra {
  /** Rounds of checks run against the database since start (--serve). */
  rounds?: number;
  /** HTTP requests served (--serve). */
  requests?: number;
}

/**
 * Prometheus text exposition (0.0.4): per-check status (one series per state, 1 for the current one)
 * and duration, overall health, latency, database size, connections and pool, backup age and
 * pending migrations — each only when the check that measures it ran.
 */
export function renderPrometheus(report: HealthReport, extra: MetricsExtra = {}): string {
  const out: string[] = [];
  const metric = (name: string, type: 'gauge' | 'counter', help: string, samples: Array<[Record<string, string>, number]>) => {
    if (!samples.length) return;
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) out.push(`${name}${fmtLabels(labels)} ${fmtValue(value)}`);
  };
  const base = { engine: report.engine };
  metric('eventdb_health_ok', 'gauge', '1 when the health check passes (exit 0), else 0.', [[base, report.ok ? 1 : 0]]);
  metric('eventdb_health_exit_code', 'gauge', 'The health-check exit code: 0 ok, 1 failed, 3 cannot connect.', [[base, report.exitCode]]);
  metric(
    'eventdb_health_check_status',
    'gauge',
    'Check state: 1 for the current state of each check, 0 for the others.',
    report.checks.flatMap((c) => STATUSES.map((s): [Record<string, string>, number] => [{ check: c.name, status: s }, c.status === s ? 1 : 0])),
  );
  metric('eventdb_health_check_duration_seconds', 'gauge', 'How long each check took.', report.checks.map((c) => [{ check: c.name }, c.durationMs / 1000]));
  metric('eventdb_health_duration_seconds', 'gauge', 'How long the whole round of checks took.', [[{}, report.durationMs / 1000]]);
  metric('eventdb_health_last_run_timestamp_seconds', 'gauge', 'When the reported round of checks started (Unix time).', [[{}, Date.parse(report.checkedAt) / 1000]]);

  const d = (name: string) => report.checks.find((c) => c.name === name && c.status !== 'skipped')?.details as Record<string, any> | undefined;
  const conn = d('connection');
  if (typeof conn?.latencyMs === 'number') metric('eventdb_database_latency_seconds', 'gauge', 'Round-trip latency of a trivial query.', [[base, conn.latencyMs / 1000]]);
  const db = d('database');
  if (typeof db?.sizeBytes === 'number') metric('eventdb_database_size_bytes', 'gauge', 'Database size (PostgreSQL database, or file).', [[base, db.sizeBytes]]);
  if (typeof db?.walBytes === 'number') metric('eventdb_database_wal_bytes', 'gauge', 'Write-ahead log file size (SQLite, DuckDB).', [[base, db.walBytes]]);
  if (db?.connections) {
    metric('eventdb_database_connections', 'gauge', 'Client connections in use on the server.', [[base, db.connections.used]]);
    metric('eventdb_database_connections_max', 'gauge', 'The server max_connections.', [[base, db.connections.max]]);
    metric('eventdb_database_connections_saturation', 'gauge', 'Connections in use over usable connections (0..1).', [[base, db.connections.saturation]]);
  }
  if (db?.pool) metric('eventdb_pool_max', 'gauge', 'Configured connection pool maximum.', [[base, db.pool.max]]);
  if (Array.isArray(db?.longRunningQueries)) metric('eventdb_database_long_running_queries', 'gauge', 'Queries running longer than the threshold.', [[base, db.longRunningQueries.length]]);
  if (Array.isArray(db?.idleInTransaction)) metric('eventdb_database_idle_in_transaction_sessions', 'gauge', 'Sessions idle in transaction longer than the threshold.', [[base, db.idleInTransaction.length]]);
  const bk = d('backup');
  if (typeof bk?.ageMs === 'number') metric('eventdb_backup_age_seconds', 'gauge', 'Age of the newest snapshot in the store.', [[{}, bk.ageMs / 1000]]);
  if (typeof bk?.count === 'number') metric('eventdb_backup_snapshots', 'gauge', 'Snapshots in the store.', [[{}, bk.count]]);
  const mg = d('migrations');
  if (Array.isArray(mg?.pending)) metric('eventdb_migrations_pending', 'gauge', 'Migrations not yet applied.', [[base, mg.pending.length]]);
  if (Array.isArray(mg?.changed)) metric('eventdb_migrations_changed', 'gauge', 'Applied migrations whose checksum changed.', [[base, mg.changed.length]]);
  const lk = d('lock');
  if (typeof lk?.held === 'boolean') metric('eventdb_migration_lock_held_seconds', 'gauge', 'How long the migration lock has been held (0 when free).', [[base, lk.held ? Number(lk.heldMs ?? 0) / 1000 : 0]]);
  if (extra.rounds !== undefined) metric('eventdb_health_rounds_total', 'counter', 'Rounds of checks run against the database since start.', [[{}, extra.rounds]]);
  if (extra.requests !== undefined) metric('eventdb_health_requests_total', 'counter', 'HTTP requests served since start.', [[{}, extra.requests]]);
  return `${out.join('\n')}\n`;
}

function fmtLabels(labels: Record<string, string>): string {
  const entries = Object.entries(labels);
  if (!entries.length) return '';
  return `{${entries.map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')}"`).join(',')}}`;
}

function fmtValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(Math.round(v * 1e6) / 1e6);
}
