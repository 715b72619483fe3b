import { formatDuration } from '../units.js';
import type { CheckResult, HealthReport } from './types.js';

/**
 * The on-call status page: one self-contained HTML document (inline CSS and script, no external
 * assets). Rendered here, on the server, and only here: it works without script, and the script
 * re-fetches the page itself every TTL and swaps in the new report's parts (#app, #updated, title).
 */
export function renderStatusPage(report: HealthReport, ttlMs: number): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>eventdb health: ${esc(report.status)}</title>
<noscript><meta http-equiv="refresh" content="${Math.max(1, Math.round(ttlMs / 1000))}"></noscript>
<style>
:root { color-scheme: light dark; font-family: system-ui, sans-serif; }
body { margin: 0 auto; max-width: 60rem; padding: 1.5rem; }
h1 { font-size: 1.4rem; margin: 0 0 .25rem; }
.banner { padding: .75rem 1rem; border-radius: .5rem; font-weight: 600; margin: 1rem 0; }
.ok { background: #d9f5df; color: #0b5a1d; } .warn { background: #fff1c2; color: #6b4d00; }
.fail { background: #ffd9d6; color: #8a1208; } .skipped { background: #e8e8e8; color: #444; }
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; padding: .45rem .5rem; border-bottom: 1px solid #8884; vertical-align: top; }
td.status { font-weight: 600; white-space: nowrap; border-radius: .25rem; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
.figures { display: flex; gap: 1rem; flex-wrap: wrap; margin: 1rem 0; }
.figure { border: 1px solid #8884; border-radius: .5rem; padding: .5rem .75rem; min-width: 9rem; }
.figure b { display: block; font-size: 1.2rem; }
footer { margin-top: 1rem; color: #777; font-size: .85rem; }
</style>
</head>
<body data-ttl-ms="${ttlMs}">
<h1>eventdb health</h1>
<div id="meta">${esc(report.engine)} · ${esc(report.database)} · ${esc(report.environment)}</div>
<div id="app">${renderBody(report)}</div>
<footer>Refreshes every ${esc(formatDuration(ttlMs))}. <span id="updated">Checked at ${esc(report.checkedAt)}</span> <span id="error"></span></footer>
<script>
(function () {
  // The page is rendered once, on the server (renderBody below): every TTL the script fetches this
  // same page and swaps in its parts. No second renderer to keep in step with the first.
  var ttl = Number(document.body.getAttribute('data-ttl-ms')) || 5000;
  function tick() {
    fetch(location.href, { cache: 'no-store' }).then(function (res) { return res.text(); }).then(function (html) {
      var next = new DOMParser().parseFromString(html, 'text/html');
      var app = next.getElementById('app');
      if (!app) throw new Error('unexpected response');
      document.getElementById('app').innerHTML = app.innerHTML;
      document.getElementById('updated').textContent = next.getElementById('updated').textContent;
      document.getElementById('error').textContent = '';
      document.title = next.title;
    }).catch(function (e) {
      document.getElementById('error').textContent = '(cannot reach the health server: ' + e.message + ')';
    });
  }
  setInterval(tick, ttl);
})();
</script>
</body>
</html>
`;
}

const LABEL: Record<string, string> = { ok: '✅ ok', warn: '⚠️ warn', fail: '❌ fail', skipped: '⏭️ skipped' };

function renderBody(r: HealthReport): string {
  const title = r.status === 'ok' ? 'All checks pass' : r.status === 'warn' ? 'Healthy with warnings' : 'Unhealthy';
  const detail = (name: string) => r.checks.find((c) => c.name === name && c.status !== 'skipped')?.details as Record<string, any> | undefined;
  const b = detail('backup');
  const m = detail('migrations');
  const c = detail('connection');
  const figs: Array<[string, string, string]> = [
    ['backup-age', 'backup age', typeof b?.ageMs === 'number' ? formatDuration(b.ageMs) : b?.count === 0 ? 'no snapshot' : 'n/a'],
    ['pending-migrations', 'pending migrations', Array.isArray(m?.pending) ? String(m.pending.length) : 'n/a'],
    ['latency', 'latency', typeof c?.latencyMs === 'number' ? `${c.latencyMs.toFixed(1)} ms` : 'n/a'],
  ];
  const rows = r.checks.map(row).join('');
  return (
    `<div id="overall" class="banner ${esc(r.status)}" data-status="${esc(r.status)}">${LABEL[r.status]} — ${title}</div>` +
    `<div class="figures">${figs.map(([id, k, v]) => `<div class="figure" id="fig-${id}"><span>${esc(k)}</span><b>${esc(v)}</b></div>`).join('')}</div>` +
    `<table><thead><tr><th>status</th><th>check</th><th>duration</th><th>message</th></tr></thead><tbody>${rows}</tbody></table>`
  );
}

function row(c: CheckResult): string {
  const d = c.durationMs < 1000 ? `${Math.round(c.durationMs)} ms` : formatDuration(c.durationMs);
  return `<tr data-check="${esc(c.name)}" data-status="${esc(c.status)}"><td class="status ${esc(c.status)}">${LABEL[c.status]}</td><td>${esc(c.name)}</td><td class="num">${d}</td><td class="message">${esc(c.message)}</td></tr>`;
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);
}
