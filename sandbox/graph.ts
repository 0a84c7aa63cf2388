import { ArmError } from './errors.js';
import { isPlainObject } from './merge.js';
import type { DirectoryObject } from './state.js';

/**
 * The slice of Microsoft Graph the service uses to tell whether a role assignment's
 * principal still exists: `POST /v1.0/directoryObjects/getByIds`. It answers from the
 * state's `directory` (DESIGN §9). A state without `directory` means "directory unknown":
 * the sandbox then fails the call instead of reporting every principal as gone.
 */

export interface GraphAnswer {
  readonly status: number;
  readonly body: unknown;
}

const GET_BY_IDS = /^\/v1\.0\/directoryObjects\/getByIds\/?$/i;
// Graph's documented limit for one getByIds call.
const MAX_IDS = 1000;

/** True for request paths the Graph stand-in owns; ARM paths never start with a version segment. */
export function isGraphPath(pathname: string): boolean {
  return /^\/v1\.0\//i.test(pathname);
}

function badRequest(message: string): ArmError {
  return new ArmError(400, 'Request_BadRequest', message);
}

/** Graph's type name for an object: `#microsoft.graph.user` → `user`. */
function typeName(object: DirectoryObject): string {
  return (object['@odata.type'] ?? '').replace(/^#microsoft\.graph\./i, '').toLowerCase();
}

/** Serves one Graph request; throws ArmError (Graph's error body has the same `error.code/message` shape). */
export function serveGraph(method: string, pathname: string, body: unknown, directory: readonly DirectoryObject[] | undefined): GraphAnswer {
  if (!GET_BY_IDS.test(pathname)) {
    throw new ArmError(400, 'BadRequest', `Resource not found for the segment '${pathname.split('/').at(-1) ?? ''}'.`);
  }
  if (method !== 'POST') throw new ArmError(405, 'Request_BadRequest', `The HTTP method '${method}' is not allowed for this request.`);
  if (!isPlainObject(body) || !Array.isArray(body.ids) || !body.ids.every((id): id is string => typeof id === 'string')) {
    throw badRequest("The request body must contain 'ids', an array of strings.");
  }
  if (body.ids.length > MAX_IDS) throw badRequest(`The number of ids must not exceed ${MAX_IDS}.`);
  const types = body.types;
  if (types !== undefined && (!Array.isArray(types) || !types.every((type): type is string => typeof type === 'string'))) {
    throw badRequest("'types' must be an array of strings.");
  }
  if (directory === undefined) {
    // "Unknown" must never read as "deleted": a caller that treats a missing principal as orphaned would act on it.
    throw new ArmError(503, 'ServiceUnavailable', 'The sandbox state has no directory, so directory objects cannot be resolved.', {
      'retry-after': '1',
    });
  }
  const wanted = new Set(body.ids.map((id) => id.toLowerCase()));
  const wantedTypes = types === undefined ? undefined : new Set(types.map((type) => type.replace(/^#?microsoft\.graph\./i, '').toLowerCase()));
  const value = directory
    .filter((object) => wanted.has(object.id.toLowerCase()))
    .filter((object) => wantedTypes === undefined || wantedTypes.has(typeName(object)))
    .map((object) => structuredClone(object));
  return { status: 200, body: { '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#directoryObjects', value } };
}
