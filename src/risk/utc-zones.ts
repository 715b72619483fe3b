/** Time zone names whose UTC offset is zero, always (PostgreSQL's test for a free timestamp ⇄ timestamptz change: a fixed offset of 0). */
const UTC_ZONES = new Set(['utc', 'etc/utc', 'uct', 'etc/uct', 'gmt', 'etc/gmt', 'gmt0', 'etc/gmt0', 'gmt+0', 'etc/gmt+0', 'gmt-0', 'etc/gmt-0', 'greenwich', 'etc/greenwich', 'universal', 'etc/universal', 'zulu', 'etc/zulu']);

export function isUtcZone(name: string): boolean {
  return UTC_ZONES.has(name.toLowerCase());
}
