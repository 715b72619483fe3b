/**
 * Credentials never reach output. Every string the shell prints goes through `redact()`, which
 * removes URL passwords (user info and ?password=) and every secret value registered here or found in
 * the environment under a secret-looking name. Command lines are shown through `redactArgv()`.
 *
 * A password is any text: it may hold unencoded `@ : / ? #`, spaces or quotes, and a URL holding such
 * a password may not parse at all. So user info is found without parsing: it runs from `scheme://`
 * to the LAST `@` of the URL, and everything after the first `:` in it is the password. Over-redacting
 * an odd URL (`https://h:8080/a@b`) is the accepted price. The password of every configured URL is
 * also registered as a literal secret, so it is removed wherever it appears, URL or not.
 */
const secrets = new Set<string>();
/** The secrets longest first (so a secret containing another is removed whole), with their encoded forms; rebuilt on change. */
let ordered: string[] | undefined;
const SECRET_ENV = /(PASSWORD|SECRET|TOKEN|ACCESS_KEY|PRIVATE_KEY|PASSPHRASE|CREDENTIAL|API_KEY|_KEY$)/i;
/** Command-line flags whose value is a secret (or may hold one). */
const SECRET_FLAG = /^--?[a-z0-9-]*(token|password|passwd|passphrase|secret|credential|api-key|access-key|private-key)[a-z0-9-]*$/i;
const SCHEME = /[a-z][a-z0-9+.-]*:\/\//gi;
/** Where a URL in running text ends (unless its user info is unusual, see redactUrls). */
const URL_END = /[\s'"<>`]/;
let envScanned = false;

export function registerSecret(value: string | undefined | null): void {
  if (!value || value.length < 3) return;
  const decoded = safeDecode(value);
  for (const v of decoded.length >= 3 ? [value, decoded] : [value]) {
    if (secrets.has(v)) continue;
    secrets.add(v);
    ordered = undefined;
  }
}

/** Registers the password of a URL-like string (raw and percent-decoded), whether or not it parses. */
export function registerUrlSecret(url: unknown): void {
  if (typeof url === 'string') registerSecret(passwordOf(url));
}

function scanEnvironment(): void {
  if (envScanned) return;
  envScanned = true;
  for (const [name, value] of Object.entries(process.env)) {
    if (value && SECRET_ENV.test(name)) registerSecret(value);
    if (value && /^[a-z][a-z0-9+.-]*:\/\//i.test(value)) registerUrlSecret(value);
  }
}

/** The password of a URL: user info after its first `:` (up to the last `@`), else `?password=`. */
export function passwordOf(url: string): string | undefined {
  const m = /^\s*[a-z][a-z0-9+.-]*:\/\//i.exec(url);
  if (m) {
    const rest = url.slice(m[0].length);
    const at = rest.lastIndexOf('@');
    if (at >= 0) {
      const info = rest.slice(0, at);
      const colon = info.indexOf(':');
      if (colon >= 0 && colon < info.length - 1) return info.slice(colon + 1);
    }
  }
  const q = /[?&]password=([^&#\s]*)/i.exec(url);
  return q?.[1] || undefined;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** `user:anything` → `user:***`; user info without a password is kept. */
function redactUserInfo(info: string): string {
  const colon = info.indexOf(':');
  return colon < 0 ? info : `${info.slice(0, colon)}:***`;
}

function redactQuery(text: string): string {
  return text.replace(/([?&]password=)[^&#\s'"]*/gi, '$1***');
}

/** A URL with its password replaced by `***`; other parts kept so the user sees where it points. */
export function redactUrl(url: string): string {
  const m = /^\s*[a-z][a-z0-9+.-]*:\/\//i.exec(url);
  let out = url;
  if (m) {
    const rest = url.slice(m[0].length);
    const at = rest.lastIndexOf('@');
    if (at >= 0) out = `${m[0]}${redactUserInfo(rest.slice(0, at))}${rest.slice(at)}`;
  }
  return redactQuery(out);
}

/**
 * Redacts the user info of every `scheme://…` in running text. A URL normally ends at white space or
 * a quote, and its user info at the last `@` before that. When the text after `scheme://user:` has
 * no `@` before the end of the URL but a later `@` on the same line (a password with a space or
 * quote in it), everything up to that line's last `@` is taken as the password.
 */
function redactUrls(text: string): string {
  let out = '';
  let pos = 0;
  SCHEME.lastIndex = 0;
  for (let m = SCHEME.exec(text); m; m = SCHEME.exec(text)) {
    const start = m.index + m[0].length;
    if (start <= pos) continue;
    const endRel = text.slice(start).search(URL_END);
    const end = endRel < 0 ? text.length : start + endRel;
    let at = text.lastIndexOf('@', end - 1);
    if (at < start) {
      at = -1;
      // `scheme://user:x…` where x is not a port digit: a password that runs past the URL's end?
      if (/^[^/?#@:\s[]*:[^0-9/]/.test(text.slice(start, end + 1))) {
        const eol = text.indexOf('\n', start);
        const lineEnd = eol < 0 ? text.length : eol;
        const lastAt = text.lastIndexOf('@', lineEnd - 1);
        if (lastAt >= end) at = lastAt;
      }
    }
    if (at < 0) continue;
    out += text.slice(pos, start) + redactUserInfo(text.slice(start, at));
    pos = at;
    SCHEME.lastIndex = at;
  }
  return out + text.slice(pos);
}

export function redact(text: string): string {
  scanEnvironment();
  let out = text.includes('://') ? redactUrls(text) : text;
  if (/password=/i.test(out)) out = redactQuery(out);
  ordered ??= [...new Set([...secrets].flatMap((s) => [s, encodeURIComponent(s)]))].sort((a, b) => b.length - a.length);
  for (const s of ordered) if (out.includes(s)) out = out.split(s).join('***');
  return out;
}

/**
 * A command line safe to show or record (lock-holder records, errors, /health): the value of every
 * secret-bearing flag (`--admin-token`, `--password`, `--passphrase` …, as `--flag value` or
 * `--flag=value`) becomes `***`, and every other argument goes through `redact()`.
 */
export function redactArgv(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const eq = a.indexOf('=');
    const flag = a.startsWith('-') ? (eq > 0 ? a.slice(0, eq) : a) : undefined;
    if (flag && SECRET_FLAG.test(flag)) {
      if (eq > 0) out.push(`${flag}=***`);
      else {
        out.push(a);
        if (i + 1 < args.length) {
          out.push('***');
          i++;
        }
      }
      continue;
    }
    out.push(redact(a));
  }
  return out;
}

/** The command this process runs, for records others read: `eventdb migrate up --admin-token ***`. */
export function commandLine(argv: readonly string[] = process.argv.slice(2)): string {
  return `eventdb ${redactArgv(argv).join(' ')}`.trim();
}

/** A command line read back from a record (possibly written by an older eventdb): redacted again. */
export function redactCommandLine(text: string): string {
  return redactArgv(text.split(' ')).join(' ');
}

/** Deep-redacts every string in a JSON-able value. */
export function redactDeep<T>(value: T): T {
  if (typeof value === 'string') return redact(value) as T;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v)) as T;
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    // defineProperty, not assignment: a key named __proto__ (a table's) stays a key
    for (const [k, v] of Object.entries(value)) Object.defineProperty(out, k, { value: redactDeep(v), enumerable: true, writable: true, configurable: true });
    return out as T;
  }
  return value;
}
