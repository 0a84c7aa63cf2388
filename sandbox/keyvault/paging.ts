import { badParameter } from './errors.js';

/**
 * Paging of Key Vault listings (`GET /keys`), after keys.json 7.6: `maxresults` 1–25, "If not
 * specified the service will return up to 25 results", and a `nextLink` that repeats the query
 * with a `$skiptoken` (GetKeys-example.json:
 * `https://myvault.vault.azure.net:443/keys?api-version=7.2&$skiptoken=…&maxresults=1`).
 * The sandbox's skip token is the offset, base64url-encoded so it reads as opaque as the
 * service's; an out-of-range `maxresults` or a token it did not issue is 400 BadParameter
 * (the service's wording for those is not on record).
 */

export const MAX_RESULTS = 25;

export interface Page<T> {
  readonly value: T[];
  readonly nextLink?: string;
}

function pageSize(query: URLSearchParams): number {
  const text = query.get('maxresults');
  if (text === null) return MAX_RESULTS;
  const size = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!(size >= 1 && size <= MAX_RESULTS)) throw badParameter(`maxresults must be an integer from 1 to ${MAX_RESULTS}, not '${text}'.`);
  return size;
}

function offset(query: URLSearchParams): number {
  const token = query.get('$skiptoken');
  if (token === null) return 0;
  const decoded = Buffer.from(token, 'base64url').toString('utf8');
  if (!/^\d+$/.test(decoded)) throw badParameter('The $skiptoken is not valid.');
  return Number(decoded);
}

/** One page of `items` for the request's query; `url` is the listing's own URL (no query). */
export function page<T>(items: readonly T[], url: string, query: URLSearchParams, apiVersion: string): Page<T> {
  const size = pageSize(query);
  const start = offset(query);
  const value = items.slice(start, start + size);
  if (start + size >= items.length) return { value };
  const next = new URLSearchParams({ 'api-version': apiVersion, $skiptoken: Buffer.from(String(start + size)).toString('base64url') });
  if (query.has('maxresults')) next.set('maxresults', String(size));
  return { value, nextLink: `${url}?${next.toString()}` };
}
