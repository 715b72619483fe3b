/**
 * Credentials never reach output. Every string the shell prints goes through `redact()`, which
 * removes URL passwords (user info and ?password=) and every secret value registered here or found in
 * the environment under a secret-looking name.
 */
const secrets = new Set<string>();
const SECRET_ENV = /(PASSWORD|SECRET|TOKEN|ACCESS_KEY|PRIVATE_KEY|PASSPHRASE|CREDENTIAL|API_KEY|_KEY$)/i;
let envScanned = false;

export function registerSecret(value: string | undefined | null): void {
  if (value && value.length >= 3) secrets.add(value);
}

function scanEnvironment(): void {
  if (envScanned) return;
  envScanned = true;
  for (const [name, value] of Object.entries(process.env)) {
    if (value && SECRET_ENV.test(name)) registerSecret(value);
    if (value && /^[a-z][a-z0-9+.-]*:\/\//i.test(value)) registerSecret(passwordOf(value));
  }
}

function passwordOf(url: string): string | undefined {
  const m = /^[a-z][a-z0-9+.-]*:\/\/[^/?#@:]*:([^@/?#]*)@/i.exec(url);
  const fromUserInfo = m?.[1] ? safeDecode(m[1]) : undefined;
  const q = /[?&]password=([^&#]*)/i.exec(url);
  const fromQuery = q?.[1] ? safeDecode(q[1]) : undefined;
  return fromUserInfo ?? fromQuery;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** A URL with its password replaced by `***`; other parts kept so the user sees where it points. */
export function redactUrl(url: string): string {
  return url
    .replace(/^([a-z][a-z0-9+.-]*:\/\/[^/?#@:]*):[^@/?#]*@/i, '$1:***@')
    .replace(/([?&]password=)[^&#]*/gi, '$1***');
}

export function redact(text: string): string {
  scanEnvironment();
  let out = text.replace(/\b([a-z][a-z0-9+.-]*:\/\/[^\s'"<>]+)/gi, (u) => redactUrl(u));
  for (const s of secrets) {
    if (out.includes(s)) out = out.split(s).join('***');
    const enc = encodeURIComponent(s);
    if (enc !== s && out.includes(enc)) out = out.split(enc).join('***');
  }
  return out;
}

/** Deep-redacts every string in a JSON-able value. */
export function redactDeep<T>(value: T): T {
  if (typeof value === 'string') return redact(value) as T;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v)) as T;
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redactDeep(v);
    return out as T;
  }
  return value;
}
