/**
 * What every Azure Table Storage adapter here shares: key escaping, reading the service's
 * error codes, and building clients (Entra identity in Azure, connection string for Azurite).
 */
import type { TokenCredential } from '@azure/core-auth';
import { RestError, TableClient, type TableServiceClientOptions } from '@azure/data-tables';

/**
 * Characters replaced by `!XX` (two upper-case hex digits) in PartitionKey and RowKey:
 * - `/ \ # ?` and U+0000–U+001F, U+007F–U+009F: Table Storage rejects them in keys
 *   (Azurite answers 400 InvalidInput);
 * - `%`: Azure Tables has double-decoded the key in entity URLs (Get/Update/Delete Entity), so a
 *   key holding `%` could miss its own entity;
 * - `'`: the OData key-literal quote, which emulators and tools have mishandled;
 * - `!`: the escape character itself, so decoding is unambiguous.
 * Every other character, `*` and `:` included, is stored as is, so `*` and `rg:<name>` keys stay
 * readable in Storage Explorer and a valid resource group name is never escaped at all.
 */
// eslint-disable-next-line no-control-regex
const KEY_UNSAFE = /[\u0000-\u001f\u007f-\u009f/\\#?%'!]/gu;
const KEY_ESCAPE = /!([0-9A-F]{2})/g;

/** Escapes `value` into a valid Table key (see KEY_UNSAFE for the scheme). */
export function toTableKey(value: string): string {
  return value.replace(KEY_UNSAFE, (c) => `!${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

/**
 * Reverses {@link toTableKey}; undefined for a key it cannot have produced (a lone `!`, lower-case
 * hex, an escaped character that needs no escaping, an unescaped unsafe character).
 */
export function fromTableKey(key: string): string | undefined {
  const value = key.replace(KEY_ESCAPE, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
  return toTableKey(value) === key ? value : undefined;
}

/** Table errors carry their code in the OData body (`RestError.code` stays unset for them). */
export function serviceErrorCode(error: RestError): string | undefined {
  const body = (error.response as { parsedBody?: unknown } | undefined)?.parsedBody;
  if (typeof body === 'object' && body !== null && 'odataError' in body) {
    const odata = body.odataError;
    if (typeof odata === 'object' && odata !== null && 'code' in odata && typeof odata.code === 'string') return odata.code;
  }
  return error.response?.headers.get('x-ms-error-code') ?? undefined;
}

/** What a failed Table call says: the service's error code, not its JSON body, keeps audit reasons and logs readable. */
export function describeTableError(error: unknown): string {
  if (error instanceof RestError && error.statusCode !== undefined) return `${error.statusCode} ${serviceErrorCode(error) ?? 'with no error code'}`;
  return error instanceof Error ? error.message : String(error);
}

export function isStatus(error: unknown, status: number): boolean {
  return error instanceof RestError && error.statusCode === status;
}

/**
 * A 404 for the entity, not for the table: a missing or misnamed table must throw (a mode
 * resolver then fails safe), never read as "no entity here".
 */
export function isEntityNotFound(error: unknown): boolean {
  return isStatus(error, 404) && serviceErrorCode(error as RestError) !== 'TableNotFound';
}

/**
 * A client for `tableName` from a storage connection string (Azurite, local tools). Plain http
 * is allowed only for a loopback TableEndpoint, where the emulator listens.
 */
export function tableClientFromConnectionString(connectionString: string, tableName: string, options: TableServiceClientOptions = {}): TableClient {
  return TableClient.fromConnectionString(connectionString, tableName, { allowInsecureConnection: isLoopbackHttp(connectionString), ...options });
}

/**
 * A client for `tableName` at `accountUrl` (`https://<account>.table.core.windows.net`) with an
 * Entra credential, e.g. the Function App's managed identity (needs the Storage Table Data
 * Contributor role on the table or account).
 */
export function tableClientFromUrl(accountUrl: string, tableName: string, credential: TokenCredential, options: TableServiceClientOptions = {}): TableClient {
  return new TableClient(accountUrl, tableName, credential, options);
}

/** Creates the client's table; an existing one (409 TableAlreadyExists) is fine, any other failure throws. */
export async function ensureTable(client: TableClient): Promise<void> {
  try {
    // The SDK swallows TableAlreadyExists only when it finds the code in a parsed OData body;
    // this also accepts the x-ms-error-code header, and still throws e.g. 409 TableBeingDeleted.
    await client.createTable();
  } catch (error) {
    if (error instanceof RestError && error.statusCode === 409 && serviceErrorCode(error) === 'TableAlreadyExists') return;
    throw error;
  }
}

function isLoopbackHttp(connectionString: string): boolean {
  const endpoint = /(?:^|;)\s*TableEndpoint\s*=\s*([^;]*)/i.exec(connectionString)?.[1];
  if (endpoint === undefined) return false;
  try {
    const url = new URL(endpoint.trim());
    return url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  } catch {
    return false;
  }
}
