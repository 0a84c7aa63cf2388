/**
 * Authentication and authorisation for the admin HTTP API with Microsoft Entra ID access tokens.
 *
 * A caller presents `Authorization: Bearer <access token>` issued by the tenant for this API's
 * app registration. The token must be an RS256 JWT signed by one of the tenant's published keys,
 * issued by the tenant, addressed to this API and currently valid; the app roles in its `roles`
 * claim then decide whether the caller may read, or read and change.
 *
 * Results carry a short reason that is safe to log and to record in the audit trail: it names
 * the failed check, never the token and never a claim value that could identify a person.
 * Docs: MicrosoftDocs entra-docs docs/identity-platform/access-tokens.md,
 * access-token-claims-reference.md.
 */
import type { AuthResult } from './api.js';
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';

/** Configuration of {@link createEntraAuthenticator}. */
export interface EntraAuthConfig {
  /** The directory (tenant) id, a GUID. */
  tenantId: string;
  /**
   * Accepted `aud` values: the API's application id URI and/or its client id. v2 tokens always
   * carry the client id; v1 tokens carry whichever form the client asked for.
   */
  audience: string | string[];
  /** App role required to change things, e.g. `Remediator.Operator`. Operators may also read. */
  operatorRole: string;
  /** App role allowed to read (GET requests). Without it only operators may read. */
  readerRole?: string;
  /** Where the tenant's signing keys are; default `https://login.microsoftonline.com/<tenant>/discovery/v2.0/keys`. */
  jwksUri?: string;
  /**
   * Accepted issuers; default both v2 `https://login.microsoftonline.com/<tenant>/v2.0` and
   * v1 `https://sts.windows.net/<tenant>/`.
   */
  issuers?: string[];
  /** Allowed clock skew between Entra and this host when checking `exp` and `nbf`; default 60. */
  clockToleranceSeconds?: number;
  /**
   * Tuning of the signing-key cache. jose's defaults suit production; tests shorten the cooldown
   * to exercise key rotation without waiting.
   */
  jwks?: {
    /** Minimum time between refetches triggered by an unknown `kid`; default 30 000. */
    cooldownMs?: number;
    /** Age after which the cached key set is refetched before use; default 600 000. */
    cacheMaxAgeMs?: number;
    /** Timeout of one fetch of the key set; default 5 000. */
    timeoutMs?: number;
  };
}

/** The caller a valid token identifies. */
export interface EntraPrincipal {
  /** `oid`: the immutable object id of the user or service principal in the tenant. */
  objectId: string;
  /** The client application: `appid` in v1 tokens, `azp` in v2 tokens. */
  appId?: string;
  /** Whether the token was issued to a user (delegated) or to an application acting as itself. */
  kind: 'user' | 'app';
  /** The app roles granted to the caller on this API. */
  roles: string[];
}

/** What a request needs: `read` for GET, `write` for anything that changes state. */
export type AdminAccess = 'read' | 'write';

/** Outcome of authenticating one request: the admin API's own type (reasons are safe to log and record). */
export type { AuthResult };

/** Checks one request's `Authorization` header for the access it needs. Never rejects. */
export type EntraAuthenticator = (authorizationHeader: string | undefined, access: AdminAccess) => Promise<AuthResult>;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** RFC 6750 §2.1: the scheme is case-insensitive and the credential is a b64token. */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;

/** Claims every Entra access token carries, v1 and v2 alike (access-token-claims-reference.md). */
const REQUIRED_CLAIMS = ['exp', 'iat', 'nbf'];

/** Registered claim names jose may report as failing; only these are echoed in a reason. */
const NAMEABLE_CLAIMS = new Set(['exp', 'iat', 'nbf', 'iss', 'aud', 'sub', 'typ']);

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** The key set could not be obtained: a fault on our side or Entra's, not the caller's. */
class SigningKeysUnavailable extends Error {}

function deny(status: 401 | 403, reason: string): AuthResult {
  return { ok: false, status, reason };
}

function nonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

function validatedConfig(config: EntraAuthConfig): {
  tenantId: string;
  audience: string[];
  issuers: string[];
  jwksUrl: URL;
  clockTolerance: number;
} {
  if (!GUID.test(config.tenantId)) throw new TypeError('Entra tenantId must be a GUID');
  // Entra writes tenant GUIDs in lower case in `iss` and `tid`; compare in that form.
  const tenantId = config.tenantId.toLowerCase();

  const audience = typeof config.audience === 'string' ? [config.audience] : [...config.audience];
  if (audience.length === 0 || !audience.every(nonEmptyString)) throw new TypeError('Entra audience must be one or more non-empty strings');
  if (!nonEmptyString(config.operatorRole)) throw new TypeError('Entra operatorRole must be a non-empty string');
  if (config.readerRole !== undefined && !nonEmptyString(config.readerRole)) throw new TypeError('Entra readerRole must be a non-empty string when given');

  // Both issuers by default: the app registration's accessTokenAcceptedVersion (null/1 or 2)
  // decides whether Entra issues v1 tokens (sts.windows.net) or v2 tokens (login.microsoftonline.com/…/v2.0)
  // for this API, whichever endpoint the client used, and the setting can change under us.
  const issuers = config.issuers ?? [`https://login.microsoftonline.com/${tenantId}/v2.0`, `https://sts.windows.net/${tenantId}/`];
  if (issuers.length === 0 || !issuers.every(nonEmptyString)) throw new TypeError('Entra issuers must be one or more non-empty strings');

  const jwksUrl = new URL(config.jwksUri ?? `https://login.microsoftonline.com/${tenantId}/discovery/v2.0/keys`);
  // Whoever can alter the key set in transit can mint tokens; plain HTTP only for local test servers.
  if (jwksUrl.protocol !== 'https:' && !(jwksUrl.protocol === 'http:' && LOOPBACK_HOSTS.has(jwksUrl.hostname))) {
    throw new TypeError('Entra jwksUri must use https');
  }

  const clockTolerance = config.clockToleranceSeconds ?? 60;
  if (!Number.isFinite(clockTolerance) || clockTolerance < 0) throw new TypeError('Entra clockToleranceSeconds must be a non-negative number');

  return { tenantId, audience, issuers, jwksUrl, clockTolerance };
}

/** Maps a verification failure to a reason naming the check, never the token's content. */
function rejection(error: unknown): AuthResult {
  if (error instanceof SigningKeysUnavailable) return deny(401, 'signing keys unavailable');
  if (!(error instanceof errors.JOSEError)) return deny(401, 'token could not be verified');
  if (error instanceof errors.JWTExpired) return deny(401, 'token expired');
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.reason === 'missing') return deny(401, NAMEABLE_CLAIMS.has(error.claim) ? `token lacks the ${error.claim} claim` : 'token lacks a required claim');
    switch (error.claim) {
      case 'nbf':
        return deny(401, error.reason === 'check_failed' ? 'token not yet valid' : 'token nbf claim is invalid');
      case 'iss':
        return deny(401, 'token issuer not accepted');
      case 'aud':
        return deny(401, 'token audience not accepted');
      default:
        return deny(401, NAMEABLE_CLAIMS.has(error.claim) ? `token ${error.claim} claim is invalid` : 'token claims are invalid');
    }
  }
  // `alg: none` and HS256 (public key used as an HMAC secret) both end here, before any key lookup.
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) return deny(401, 'token algorithm not allowed');
  if (error instanceof errors.JWKSNoMatchingKey) return deny(401, 'token signed by an unknown key');
  // Entra always sets `kid`; without one every published key matches and jose will not guess.
  if (error instanceof errors.JWKSMultipleMatchingKeys) return deny(401, 'token does not identify its signing key');
  if (error instanceof errors.JWSSignatureVerificationFailed) return deny(401, 'token signature invalid');
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) return deny(401, 'token is malformed');
  return deny(401, 'token could not be verified');
}

/**
 * The principal from a verified payload, or the reason the claims are not those of an Entra
 * access token for a user or application in this tenant.
 */
function principalOf(payload: JWTPayload, tenantId: string): EntraPrincipal | string {
  // The issuer already names the tenant; `tid` is checked too in case issuers were configured loosely.
  if (payload['tid'] !== undefined && (typeof payload['tid'] !== 'string' || payload['tid'].toLowerCase() !== tenantId)) return 'token tenant not accepted';

  const objectId = payload['oid'];
  if (!nonEmptyString(objectId)) return 'token has no oid claim';

  const rawRoles = payload['roles'];
  let roles: string[] = [];
  if (rawRoles !== undefined) {
    if (!Array.isArray(rawRoles) || !rawRoles.every((role): role is string => typeof role === 'string')) return 'token roles claim is malformed';
    roles = rawRoles;
  }

  const idtyp = payload['idtyp'];
  let kind: EntraPrincipal['kind'];
  if (idtyp === 'app' || idtyp === 'user') kind = idtyp;
  else if (idtyp !== undefined) return 'token idtyp claim not recognised';
  // idtyp is an optional claim; delegated tokens always carry scopes, app-only tokens never do.
  else kind = payload['scp'] === undefined ? 'app' : 'user';

  const appid = payload['appid'] ?? payload['azp'];
  return nonEmptyString(appid) ? { objectId, appId: appid, kind, roles } : { objectId, kind, roles };
}

/**
 * Builds the admin API's authenticator for one tenant and API registration.
 *
 * The returned function never rejects: every failure is a 401 (no valid token: missing,
 * malformed, expired, not yet valid, wrong issuer, audience or tenant, unknown key, algorithm
 * other than RS256, or signing keys unreachable) or a 403 (valid token without the app role the
 * access needs). Operators may read and write; readers may only read.
 *
 * @throws TypeError when the configuration is invalid, so a misconfigured host fails at startup.
 */
export function createEntraAuthenticator(config: EntraAuthConfig): EntraAuthenticator {
  const { tenantId, audience, issuers, jwksUrl, clockTolerance } = validatedConfig(config);
  const { operatorRole, readerRole } = config;

  // Entra rotates its signing keys (and may roll them over at short notice after an incident),
  // so keys are never pinned: they come from the tenant's published key set, cached by jose and
  // refetched when a token names a `kid` it has not seen, at most once per cooldown so that a
  // stream of forged kids cannot turn into a stream of requests to Entra.
  const remoteKeys = createRemoteJWKSet(jwksUrl, {
    ...(config.jwks?.cooldownMs !== undefined && { cooldownDuration: config.jwks.cooldownMs }),
    ...(config.jwks?.cacheMaxAgeMs !== undefined && { cacheMaxAge: config.jwks.cacheMaxAgeMs }),
    ...(config.jwks?.timeoutMs !== undefined && { timeoutDuration: config.jwks.timeoutMs }),
  });
  // Separates "the caller's token names no key we know" from "we could not get the keys",
  // which is an outage to investigate rather than a caller to distrust.
  const keyFor: JWTVerifyGetKey = async (header, token) => {
    try {
      return await remoteKeys(header, token);
    } catch (error) {
      if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) throw error;
      throw new SigningKeysUnavailable('signing keys unavailable', { cause: error });
    }
  };

  const readRoles = readerRole === undefined ? [operatorRole] : [readerRole, operatorRole];

  return async (authorizationHeader, access) => {
    if (authorizationHeader === undefined || authorizationHeader.length === 0) return deny(401, 'missing Authorization header');
    const token = BEARER.exec(authorizationHeader)?.[1];
    if (token === undefined) return deny(401, 'Authorization header is not a Bearer token');

    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keyFor, {
        algorithms: ['RS256'],
        issuer: issuers,
        audience,
        clockTolerance,
        requiredClaims: REQUIRED_CLAIMS,
      }));
    } catch (error) {
      return rejection(error);
    }

    const principal = principalOf(payload, tenantId);
    if (typeof principal === 'string') return deny(401, principal);

    // Anything but an explicit read needs the operator role, so a mistyped access fails closed.
    const needed = access === 'read' ? readRoles : [operatorRole];
    if (!needed.some((role) => principal.roles.includes(role))) return deny(403, `token lacks the ${needed.join(' or ')} role`);
    return { ok: true, principal, canWrite: principal.roles.includes(operatorRole) };
  };
}
