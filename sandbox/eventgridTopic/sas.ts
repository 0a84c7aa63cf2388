/**
 * Event Grid's shared access signatures, checked the way the publisher client builds them.
 *
 * `@azure/eventgrid` 5.12 (node_modules/@azure/eventgrid/dist/esm/generateSharedAccessSignature.js)
 * makes `r=<encodeURIComponent(endpoint + "?apiVersion=2018-01-01")>&e=<encodeURIComponent(expiry)>`
 * and appends `&s=<encodeURIComponent(base64 HMAC-SHA256)>`, the HMAC keyed with the
 * base64-decoded topic key over exactly the `r=…&e=…` text (cryptoHelpers.js). The expiry is
 * .NET's en-US `M/d/yyyy h:mm:ss tt` in UTC (util.js dateToServiceTimeString). The docs'
 * C# generator (azure-docs articles/event-grid/authenticate-with-access-keys-shared-access-signatures.md)
 * encodes with `HttpUtility.UrlEncode` instead (lower-case hex, `+` for spaces), so the
 * signature is verified over the bytes as sent, never over a re-encoding, and values are
 * decoded with `+` read as a space.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Why a token was refused; the topic words each as its 401 message. */
export type SasProblem = 'malformed' | 'resource' | 'signature' | 'expired';

export type SasCheck = { ok: true; expiresOn: Date } | { ok: false; problem: SasProblem };

const SERVICE_TIME = /^(\d{1,2})\/(\d{1,2})\/(\d{4}) (\d{1,2}):(\d{2}):(\d{2}) (AM|PM)$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T/;

/** `M/d/yyyy h:mm:ss tt` in UTC, as the client library formats expiries. */
export function formatServiceTime(date: Date): string {
  const hours = date.getUTCHours();
  const hour12 = hours % 12 === 0 ? 12 : hours % 12;
  const pad = (value: number): string => String(value).padStart(2, '0');
  return `${date.getUTCMonth() + 1}/${date.getUTCDate()}/${date.getUTCFullYear()} ${hour12}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} ${hours >= 12 ? 'PM' : 'AM'}`;
}

/**
 * Epoch milliseconds of a SAS expiry: the service format above, or ISO 8601 as the docs'
 * Python generator writes it (`datetime.utcnow().isoformat()`, no zone: UTC).
 */
export function parseServiceTime(text: string): number | undefined {
  const match = SERVICE_TIME.exec(text);
  if (match !== null) {
    const [month, day, year, hour, minute, second] = match.slice(1, 7).map(Number);
    if (month === undefined || day === undefined || year === undefined || hour === undefined || minute === undefined || second === undefined) {
      return undefined;
    }
    if (month < 1 || month > 12 || hour < 1 || hour > 12 || minute > 59 || second > 59) return undefined;
    const hour24 = (hour % 12) + (match[7] === 'PM' ? 12 : 0);
    const ms = Date.UTC(year, month - 1, day, hour24, minute, second);
    // Date.UTC rolls 2/31 over into March; the service would not read it as a date.
    return new Date(ms).getUTCDate() === day ? ms : undefined;
  }
  if (ISO_TIME.test(text)) {
    const zoned = /(Z|[+-]\d{2}:?\d{2})$/i.test(text) ? text : `${text}Z`;
    const ms = Date.parse(zoned);
    return Number.isFinite(ms) ? ms : undefined;
  }
  return undefined;
}

function formDecode(value: string): string | undefined {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

/** The resource a token names, compared without query (the JS client appends `?apiVersion=…`), case and trailing slash. */
function normalisedResource(resource: string): string {
  return resource.replace(/[?#].*$/, '').replace(/\/+$/, '').toLowerCase();
}

/**
 * Checks a SAS token for a topic. "A SAS token is valid for all resources prefixed with the
 * resource URI used in the signature string" (same docs page): the token's resource must be
 * the topic URL or a path prefix of it.
 */
export function verifySharedAccessSignature(
  token: string,
  options: { key: string; topicUrl: string; nowMs?: number },
): SasCheck {
  const fields = new Map<string, string>();
  for (const part of token.split('&')) {
    const equals = part.indexOf('=');
    if (equals <= 0) return { ok: false, problem: 'malformed' };
    const name = part.slice(0, equals);
    if (fields.has(name)) return { ok: false, problem: 'malformed' };
    fields.set(name, part.slice(equals + 1));
  }
  const rawResource = fields.get('r');
  const rawExpiry = fields.get('e');
  const rawSignature = fields.get('s');
  const signedLength = token.lastIndexOf('&s=');
  // Both generators write r, e, s in that order and sign everything before `&s=`.
  if (fields.size !== 3 || rawResource === undefined || rawExpiry === undefined || rawSignature === undefined || signedLength < 0) {
    return { ok: false, problem: 'malformed' };
  }
  const resource = formDecode(rawResource);
  const expiry = formDecode(rawExpiry);
  const signature = formDecode(rawSignature);
  if (resource === undefined || expiry === undefined || signature === undefined) return { ok: false, problem: 'malformed' };
  const expiresOn = parseServiceTime(expiry);
  if (expiresOn === undefined) return { ok: false, problem: 'malformed' };

  const topic = normalisedResource(options.topicUrl);
  const named = normalisedResource(resource);
  if (named === '' || (topic !== named && !topic.startsWith(`${named}/`))) return { ok: false, problem: 'resource' };

  const expected = createHmac('sha256', Buffer.from(options.key, 'base64')).update(token.slice(0, signedLength)).digest();
  const presented = Buffer.from(signature, 'base64');
  if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) return { ok: false, problem: 'signature' };
  if (expiresOn <= (options.nowMs ?? Date.now())) return { ok: false, problem: 'expired' };
  return { ok: true, expiresOn: new Date(expiresOn) };
}

/** Whether a presented access key is the topic's (constant time, whatever the lengths). */
export function keyMatches(presented: string, key: string): boolean {
  const a = Buffer.from(presented, 'utf8');
  const b = Buffer.from(key, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
