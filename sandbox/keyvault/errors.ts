import { z } from 'zod';
import { ArmError } from '../errors.js';

/*
 * Key Vault answers errors in ARM's shape (`{"error": {"code", "message"}}`), so ArmError
 * serves both; these are the data plane's own codes and the request-body parsing they share.
 */

/** Key Vault's code for a request it cannot take (bad body, bad query, bad version). */
export function badParameter(message: string): ArmError {
  return new ArmError(400, 'BadParameter', message);
}

export function keyNotFound(nameOrId: string): ArmError {
  // Key Vault's wording (live 404s for a missing key, also for the rotation policy of one:
  // azure-sdk-for-js recording "throws when attempting to fetch a policy of a nonexistent key").
  return new ArmError(
    404,
    'KeyNotFound',
    `A key with (name/id) ${nameOrId} was not found in this key vault. If you recently deleted this key you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182`,
  );
}

/** Optional in the body: absent and `null` read the same, as the service's deserializer has them. */
export const nullish = <T extends z.ZodType>(schema: T) => schema.nullish().transform((value) => value ?? undefined);

/** The request body as JSON checked against `schema`; BadParameter naming the first problem otherwise. */
export function parseBody<T extends z.ZodType>(schema: T, text: string): z.output<T> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw badParameter('The request body is not valid JSON.');
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw badParameter(`Invalid request body: ${issue === undefined ? 'malformed' : `${issue.path.join('.') || 'body'}: ${issue.message}`}.`);
  }
  return parsed.data;
}
