/**
 * Local admin authentication: a random bearer token generated at first start under `--home`
 * (mode 0600), so only whoever can read the home can change modes. Azure uses Entra ID.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Authenticator } from './api.js';

export async function ensureLocalAdminToken(home: string): Promise<{ token: string; path: string }> {
  const path = join(home, 'admin-token');
  try {
    return { token: (await readFile(path, 'utf8')).trim(), path };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(home, { recursive: true, mode: 0o700 });
  const token = randomBytes(32).toString('base64url');
  await writeFile(path, `${token}\n`, { mode: 0o600, flag: 'wx' }).catch(async (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw error;
  });
  return { token: (await readFile(path, 'utf8')).trim(), path };
}

/** Holder of the local token is an operator: it can read and change. */
export function localTokenAuthenticator(token: string): Authenticator {
  const expected = Buffer.from(token);
  const authenticate: Authenticator = (header) => {
    const given = /^Bearer (\S+)$/.exec(header ?? '')?.[1];
    if (given === undefined) return Promise.resolve({ ok: false, status: 401, reason: 'missing bearer token' });
    const actual = Buffer.from(given);
    if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) return Promise.resolve({ ok: false, status: 401, reason: 'invalid token' });
    return Promise.resolve({ ok: true, principal: { objectId: 'local-token', kind: 'user', roles: ['operator'] }, canWrite: true });
  };
  // A browser may exchange it once for a console session (shared/console): the cookie never carries the token.
  return Object.assign(authenticate, { consoleLogin: true });
}
