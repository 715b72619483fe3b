// Health's durations and sizes are the project's one grammar and unit system (src/units.ts).
export { formatBytes, formatDuration, parseDuration } from '../units.js';
