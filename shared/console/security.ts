/**
 * The operator console's browser security: sessions, CSRF tokens, Origin/Referer checks.
 *
 * - A browser logs in once with the local admin token (a form POST). The token is checked by the
 *   admin API's own authenticator and then forgotten: the cookie carries a random session id
 *   (32 bytes), never the token. The store keeps only SHA-256 of session ids.
 * - Cookie: HttpOnly, SameSite=Strict, Path=/api/admin, Secure when the request came over https.
 * - Every change (POST) needs the per-session CSRF token in a hidden form field (compared in
 *   constant time) and an Origin (or, without one, a Referer) naming this host.
 * - Callers with an `Authorization: Bearer` header (Entra ID in Azure) have no session; their
 *   CSRF token is an HMAC of the header under a per-process key, so it is bound to that token.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { AuthResult } from '../admin/api.js';

export const SESSION_COOKIE = 'hipaa_console';
export const COOKIE_PATH = '/api/admin';
/** A session ends after this long without a request, and in any case after MAX_AGE. */
export const SESSION_IDLE_MS = 30 * 60_000;
export const SESSION_MAX_AGE_MS = 8 * 3_600_000;
const MAX_SESSIONS = 1_000;

type Principal = Extract<AuthResult, { ok: true }>['principal'];

export interface Session {
  principal: Principal;
  canWrite: boolean;
  csrf: string;
  createdAt: number;
  lastSeenAt: number;
}

const sha256 = (value: string): Buffer => createHash('sha256').update(value).digest();

/** Constant-time string equality (hashing first, so lengths leak nothing either). */
export function constantTimeEqual(a: string, b: string): boolean {
  return timingSafeEqual(sha256(a), sha256(b));
}

export class SessionStore {
  private readonly sessions = new Map<string, Session>();

  constructor(private readonly clock: () => number = Date.now) {}

  /** A new session for an authenticated principal; returns the id for the cookie (kept nowhere else). */
  create(principal: Principal, canWrite: boolean): { id: string; session: Session } {
    const now = this.clock();
    this.prune(now);
    if (this.sessions.size >= MAX_SESSIONS) {
      const oldest = this.sessions.keys().next().value;
      if (oldest !== undefined) this.sessions.delete(oldest);
    }
    const id = randomBytes(32).toString('base64url');
    const session: Session = { principal, canWrite, csrf: randomBytes(32).toString('base64url'), createdAt: now, lastSeenAt: now };
    this.sessions.set(sha256(id).toString('hex'), session);
    return { id, session };
  }

  /** The live session with this id (refreshing its idle timer), or undefined. */
  get(id: string | undefined): Session | undefined {
    if (id === undefined || !/^[A-Za-z0-9_-]{43}$/.test(id)) return undefined;
    const key = sha256(id).toString('hex');
    const session = this.sessions.get(key);
    if (session === undefined) return undefined;
    const now = this.clock();
    if (now - session.lastSeenAt > SESSION_IDLE_MS || now - session.createdAt > SESSION_MAX_AGE_MS) {
      this.sessions.delete(key);
      return undefined;
    }
    session.lastSeenAt = now;
    return session;
  }

  delete(id: string | undefined): void {
    if (id !== undefined) this.sessions.delete(sha256(id).toString('hex'));
  }

  get size(): number {
    return this.sessions.size;
  }

  private prune(now: number): void {
    for (const [key, s] of this.sessions) if (now - s.lastSeenAt > SESSION_IDLE_MS || now - s.createdAt > SESSION_MAX_AGE_MS) this.sessions.delete(key);
  }
}

/** The CSRF token for a bearer caller: bound to the exact Authorization header, valid in this process. */
export function bearerCsrfToken(key: Buffer, authorization: string): string {
  return createHmac('sha256', key).update('console-csrf\n').update(sha256(authorization)).digest('base64url');
}

export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    // The first one wins (browsers send the most specific path first); ids are validated by the store anyway.
    if (!cookies.has(name)) cookies.set(name, part.slice(eq + 1).trim());
  }
  return cookies;
}

export function sessionCookie(id: string, secure: boolean): string {
  return `${SESSION_COOKIE}=${id}; Path=${COOKIE_PATH}; HttpOnly; SameSite=Strict; Max-Age=${SESSION_MAX_AGE_MS / 1000}${secure ? '; Secure' : ''}`;
}

export function clearedSessionCookie(secure: boolean): string {
  return `${SESSION_COOKIE}=; Path=${COOKIE_PATH}; HttpOnly; SameSite=Strict; Max-Age=0${secure ? '; Secure' : ''}`;
}

/**
 * Whether a state-changing request comes from a page of this very origin: its Origin header must
 * be `<protocol>://<host>`; without an Origin, the Referer must start with that origin and a
 * slash. Neither present (or `Origin: null`): refused.
 */
export function sameOrigin(headers: Readonly<Record<string, string | undefined>>, protocol: 'http' | 'https'): { ok: true } | { ok: false; reason: string } {
  const host = headers['host'];
  if (host === undefined || host.length === 0) return { ok: false, reason: 'no Host header' };
  const expected = `${protocol}://${host}`.toLowerCase();
  const origin = headers['origin'];
  if (origin !== undefined) return origin.toLowerCase() === expected ? { ok: true } : { ok: false, reason: 'Origin is not this host' };
  const referer = headers['referer'];
  if (referer !== undefined) return referer.toLowerCase().startsWith(`${expected}/`) ? { ok: true } : { ok: false, reason: 'Referer is not this host' };
  return { ok: false, reason: 'no Origin or Referer header' };
}
