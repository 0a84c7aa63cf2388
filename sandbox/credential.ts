import { createHash } from 'node:crypto';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { z } from 'zod';

/** Who calls the sandbox: the ids an Entra ID token would carry, and for users the personal data ARM events leak. */
export interface SandboxIdentity {
  objectId: string;
  appId: string;
  principalType: 'User' | 'ServicePrincipal';
  /** Defaults to {@link SANDBOX_TENANT_ID}. */
  tenantId?: string;
  name?: string;
  upn?: string;
}

/** The caller as the sandbox understood it from the bearer token. */
export interface SandboxCaller {
  objectId: string;
  appId: string;
  principalType: 'User' | 'ServicePrincipal';
  tenantId: string;
  name?: string;
  upn?: string;
  /** The token's claims as Entra ID issued them (short names, numeric times). */
  claims: Readonly<Record<string, unknown>>;
}

/** Tenant used when an identity names none. */
export const SANDBOX_TENANT_ID = '0f5e8c2a-9b7d-4e31-a6c4-5d8f2e1b3a79';

const TOKEN_LIFETIME_SECONDS = 3600;
const ARM_AUDIENCE = 'https://management.core.windows.net/';

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

/** The claims an Entra ID v1 access token for ARM carries for this identity. */
function claimsFor(identity: SandboxIdentity, issuedAt: number): Record<string, unknown> {
  const tenantId = identity.tenantId ?? SANDBOX_TENANT_ID;
  const isUser = identity.principalType === 'User';
  return {
    aud: ARM_AUDIENCE,
    iss: `https://sts.windows.net/${tenantId}/`,
    iat: issuedAt,
    nbf: issuedAt,
    exp: issuedAt + TOKEN_LIFETIME_SECONDS,
    appid: identity.appId,
    // Public client for users (CLI, portal); certificate / managed identity for apps.
    appidacr: isUser ? '0' : '2',
    idtyp: isUser ? 'user' : 'app',
    oid: identity.objectId,
    // Entra ID gives users a pairwise subject per application; for apps it is the object id.
    sub: isUser ? createHash('sha256').update(`${identity.objectId}:${identity.appId}`).digest('base64url').slice(0, 43) : identity.objectId,
    tid: tenantId,
    ver: '1.0',
    ...(isUser ? { scp: 'user_impersonation' } : {}),
    ...(identity.name !== undefined ? { name: identity.name } : {}),
    ...(identity.upn !== undefined ? { upn: identity.upn, unique_name: identity.upn } : {}),
  };
}

/**
 * A TokenCredential minting unsigned JWTs (`alg: none`) for the sandbox. The tokens are
 * worthless anywhere else: the sandbox is a local stand-in for ARM and only reads them
 * to know who is calling.
 */
export function sandboxCredential(identity: SandboxIdentity): TokenCredential {
  return {
    async getToken(): Promise<AccessToken> {
      const issuedAt = Math.floor(Date.now() / 1000);
      const claims = claimsFor(identity, issuedAt);
      const token = `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(claims)}.`;
      return { token, expiresOnTimestamp: (issuedAt + TOKEN_LIFETIME_SECONDS) * 1000, tokenType: 'Bearer' };
    },
  };
}

const payloadSchema = z.looseObject({
  oid: z.string().min(1),
  // v1 tokens (what ARM gets) name the client `appid`; v2 tokens call it `azp`.
  appid: z.string().min(1).optional(),
  azp: z.string().min(1).optional(),
  tid: z.string().min(1),
  idtyp: z.enum(['user', 'app']).optional(),
  exp: z.number().optional(),
  name: z.string().optional(),
  upn: z.string().optional(),
});

/** Why a bearer token was refused; the server maps each to ARM's 401 code. */
export type TokenProblem = 'invalid' | 'expired';

/**
 * Reads the caller from a sandbox token. No signature check: the sandbox trusts any
 * well-formed token because it only stands in for ARM on this machine.
 */
export function decodeSandboxToken(token: string, nowMs = Date.now()): SandboxCaller | TokenProblem {
  const parts = token.split('.');
  const payloadPart = parts[1];
  if (parts.length !== 3 || payloadPart === undefined) return 'invalid';
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(payloadPart, 'base64url').toString('utf8'));
  } catch {
    return 'invalid';
  }
  const parsed = payloadSchema.safeParse(json);
  if (!parsed.success) return 'invalid';
  const payload = parsed.data;
  const appId = payload.appid ?? payload.azp;
  if (appId === undefined) return 'invalid';
  // The raw payload keeps the token's claim order, which ARM events preserve.
  const claims = json as Record<string, unknown>;
  if (payload.exp !== undefined && payload.exp * 1000 <= nowMs) return 'expired';
  return {
    objectId: payload.oid,
    appId,
    // Tokens without idtyp are told apart the way ARM consumers do: users carry a upn.
    principalType: payload.idtyp === 'user' || (payload.idtyp === undefined && payload.upn !== undefined) ? 'User' : 'ServicePrincipal',
    tenantId: payload.tid,
    ...(payload.name !== undefined ? { name: payload.name } : {}),
    ...(payload.upn !== undefined ? { upn: payload.upn } : {}),
    claims,
  };
}
