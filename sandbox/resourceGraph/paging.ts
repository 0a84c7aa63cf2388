import { createHash } from 'node:crypto';
import { type ResourceGraphError, badRequest } from './errors.js';

/**
 * Resource Graph's paging: `$top` rows from `$skip`, or where a `$skipToken` says. The spec
 * (QueryRequestOptions, 2024-04-01) lets `$top` and `$skip` override the token's page size and
 * offset. The sandbox's token is opaque to callers (base64 of a small JSON document) and bound
 * to the query text and the requested scopes: the spec says a token is passed back "together
 * with the same query and scopes used in the current request".
 */

/** ARG's page when no `$top` is given ("Working with large data sets": 100 by default). */
export const DEFAULT_PAGE_SIZE = 100;
/** The spec's bounds for `$top`. */
export const MAX_PAGE_SIZE = 1000;

export interface PageOptions {
  readonly top?: number | undefined;
  readonly skip?: number | undefined;
  readonly skipToken?: string | undefined;
}

export interface Page {
  readonly offset: number;
  readonly size: number;
}

interface TokenContent {
  readonly v: 1;
  readonly offset: number;
  readonly size: number;
  readonly binding: string;
}

/** What a token is bound to: the query as sent and the scopes as requested (order and case free). */
export function pagingBinding(query: string, subscriptions: readonly string[], managementGroups: readonly string[]): string {
  const scope = (values: readonly string[]): string[] => [...new Set(values.map((value) => value.toLowerCase()))].sort();
  return createHash('sha256')
    .update(JSON.stringify({ query, subscriptions: scope(subscriptions), managementGroups: scope(managementGroups) }))
    .digest('hex')
    .slice(0, 32);
}

export function encodeSkipToken(page: Page, binding: string): string {
  const content: TokenContent = { v: 1, offset: page.offset, size: page.size, binding };
  return Buffer.from(JSON.stringify(content), 'utf8').toString('base64');
}

// Approximated: no public answer of ARG to a foreign or corrupt token was found.
function invalidSkipToken(reason: string): ResourceGraphError {
  return badRequest('InvalidSkipToken', `The $skipToken is not valid for this request: ${reason}. Send it with the same query and scopes as the request that returned it.`);
}

function decodeSkipToken(token: string, binding: string): Page {
  let content: unknown;
  try {
    content = JSON.parse(Buffer.from(token, 'base64').toString('utf8'));
  } catch {
    throw invalidSkipToken('it was not issued by this service');
  }
  const candidate = content as Partial<TokenContent> | null;
  if (
    typeof candidate !== 'object' ||
    candidate === null ||
    candidate.v !== 1 ||
    !Number.isInteger(candidate.offset) ||
    !Number.isInteger(candidate.size) ||
    typeof candidate.binding !== 'string'
  ) {
    throw invalidSkipToken('it was not issued by this service');
  }
  if (candidate.binding !== binding) throw invalidSkipToken('it was issued for a different query or scope');
  return { offset: candidate.offset as number, size: candidate.size as number };
}

/** The page a request asks for; throws ARG-shaped 400s for out-of-range options and foreign tokens. */
export function resolvePage(options: PageOptions, binding: string): Page {
  const { top, skip, skipToken } = options;
  // Approximated messages: the bounds are the spec's, ARG's wording for breaking them is not known here.
  if (top !== undefined && (!Number.isInteger(top) || top < 1 || top > MAX_PAGE_SIZE)) {
    throw badRequest('InvalidQueryOptions', `The value of '$top' must be an integer between 1 and ${MAX_PAGE_SIZE}; got ${top}.`);
  }
  if (skip !== undefined && (!Number.isInteger(skip) || skip < 0)) {
    throw badRequest('InvalidQueryOptions', `The value of '$skip' must be a non-negative integer; got ${skip}.`);
  }
  const fromToken = skipToken === undefined ? undefined : decodeSkipToken(skipToken, binding);
  return {
    offset: skip ?? fromToken?.offset ?? 0,
    size: top ?? fromToken?.size ?? DEFAULT_PAGE_SIZE,
  };
}
