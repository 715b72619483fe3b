export { runHealthChecks, DEFAULTS as HEALTH_DEFAULTS } from './runner.js';
export { parseCheckNames, CHECKS } from './registry.js';
export { renderTable, renderGithub, FORMATS, type HealthFormat } from './formats.js';
export { renderPrometheus, type MetricsExtra } from './metrics.js';
export { startHealthServer, ENDPOINTS, type ServeOptions, type HealthServer } from './server.js';
export { renderStatusPage } from './status-page.js';
export { parseDuration, formatDuration, TIMER_MAX_MS } from '../units.js';
export { CHECK_NAMES, type CheckName, type CheckStatus, type CheckResult, type HealthReport, type HealthOptions } from './types.js';
