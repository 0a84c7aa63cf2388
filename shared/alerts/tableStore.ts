/**
 * AlertStore on Azure Table Storage (`@azure/data-tables`): one entity per alert record.
 *
 * - PartitionKey: the subscription id from the key (`/subscriptions/<id>/...`, already lower
 *   case), escaped with {@link toTableKey}; {@link NO_SUBSCRIPTION} for ids that name none
 *   (management groups, tenant-level providers). A subscription's alerts share a partition, so
 *   `listUnder` reads one partition only.
 * - RowKey: `toTableKey(record.key)`, i.e. `<escaped resource id>|<escaped control>`.
 * - `record`: the record as JSON, the only property read back (validated with
 *   `alertRecordSchema`). It is ASCII: every other character is a `\uXXXX` escape, so its size
 *   is exact whichever way it is counted, and Azurite, which garbles a multi-byte UTF-8
 *   character cut by a 64 KiB boundary of the request body, cannot corrupt it (found with
 *   30,000 × '日': three came back as U+FFFD). Non-ASCII text costs 6 characters a character.
 *   A string property holds at most 32 Ki UTF-16 code units (64 KiB), so a larger record is
 *   split: `record`, `record1`, … `record<n-1>` plus `recordParts` = n. The whole entity must
 *   stay within the 1 MiB entity limit; a record that does not fit is refused before any
 *   request, with an error naming it. Nothing is ever truncated: a record read back is exactly
 *   the one written.
 * - `state`, `resourceId`: copies for people browsing in Storage Explorer; never read.
 * - `writeId`: random per write, so a write whose response was lost can recognise itself.
 *
 * ETag = the entity's ETag; writes are conditional on it (create: must not exist).
 */
import { randomUUID } from 'node:crypto';
import { odata, type TableClient, type TableEntity, type TableEntityResult } from '@azure/data-tables';
import type { z } from 'zod';
import { describeTableError, fromTableKey, isEntityNotFound, isStatus, toTableKey } from '../tables.js';
import { AlertConflictError, alertKey, alertRecordSchema, type AlertRecord, type AlertStore, type VersionedAlert } from './record.js';

/**
 * Partition of records whose resource id names no subscription. {@link toTableKey} never
 * produces `!` followed by anything but two upper-case hex digits, so no escaped subscription
 * id can equal it.
 */
export const NO_SUBSCRIPTION = '!tenant';

/**
 * PartitionKey and RowKey: Azure documents "1 KiB"; Azurite rejects more than 512 characters,
 * which is also 1 KiB of UTF-16. The stricter reading holds on both.
 */
const MAX_KEY_CHARS = 512;
/** A string property: 64 KiB of UTF-16. */
const MAX_PART_CHARS = 32 * 1024;
/**
 * The 1 MiB entity limit, less a margin for what the estimates below leave out (the request's
 * JSON framing, system properties).
 */
const ENTITY_BUDGET_BYTES = 1024 * 1024 - 4 * 1024;

type Entity = TableEntity<Record<string, string | number>>;
type Stored = TableEntityResult<Record<string, unknown>>;

/** An {@link AlertStore} on one Azure Table; see the module comment for the entity layout. */
export class TableAlertStore implements AlertStore {
  /** `<account url>/<table>`, without any query string (a SAS would be a credential). */
  readonly location: string;

  /**
   * @param table - a client for the alert table; build it with `tableClientFromUrl` (Entra
   *   identity, in Azure) or `tableClientFromConnectionString` (Azurite) from
   *   shared/modes/tableStore.ts. The table must exist (`ensureTable`); a missing table makes
   *   every operation throw, never read as "no alert".
   */
  constructor(private readonly table: TableClient) {
    const account = (table.url.split('?')[0] ?? table.url).replace(/\/+$/, '');
    this.location = `${account}/${table.tableName}`;
  }

  async get(key: string): Promise<VersionedAlert | undefined> {
    const rowKey = rowKeyOf(key);
    // A key too long to be a RowKey was refused by put: there is nothing stored under it.
    if (rowKey === undefined) return undefined;
    let entity: Stored;
    try {
      entity = await this.table.getEntity<Record<string, unknown>>(partitionOf(key), rowKey);
    } catch (error) {
      if (isEntityNotFound(error)) return undefined;
      throw this.failure(`reading alert ${key}`, error);
    }
    return this.toVersioned(entity);
  }

  /**
   * One partition, two RowKey ranges: the resource's own records (`<id>|<control>`) and those of
   * everything under it (`<id>/...`). A single range over `<id>` would also take in siblings
   * sharing the name as a prefix (`data2` for `data`), however many there are.
   */
  async listUnder(resourceKey: string): Promise<VersionedAlert[]> {
    const subscription = subscriptionOf(resourceKey);
    // Only '' and '/subscriptions' have subscriptions' ids under them without naming one:
    // not resource ids, but the contract still answers them, by reading everything.
    if (subscription === undefined && '/subscriptions/'.startsWith(`${resourceKey}/`)) {
      return (await this.listAll()).filter(({ record }) => isUnder(record.resourceId.toLowerCase(), resourceKey));
    }
    const partitionKey = partitionOf(resourceKey);
    // toTableKey escapes character by character, so escaped(k + s) = escaped(k) + escaped(s),
    // and its code is prefix-free, so a key starts with p exactly when its escaped form starts
    // with escaped(p). The keys starting with a string S are the range [S, S') with S' = S whose
    // last character is the next one; both last characters here are ASCII ('|' and the 'F' of
    // '/' = '!2F'), so nothing lies between them and their successors ('}', 'G') in any of the
    // orderings a service could use (UTF-16 units, code points, UTF-8 bytes).
    const escaped = toTableKey(resourceKey);
    const ranges: [string, string][] = [
      [`${escaped}|`, `${escaped}}`],
      [`${escaped}${toTableKey('/')}`, `${escaped}!2G`],
    ];
    const pages = await Promise.all(
      ranges.map(([from, to]) => this.query(odata`PartitionKey eq ${partitionKey} and RowKey ge ${from} and RowKey lt ${to}`, `listing alerts under ${resourceKey}`)),
    );
    // The ranges are by key; the contract is by resource id. They differ only for a resource id
    // holding '|' (its key falls in its prefix's first range), which this drops.
    return pages.flat().filter(({ record }) => isUnder(record.resourceId.toLowerCase(), resourceKey));
  }

  /** Every record; the SDK follows the continuation tokens over all pages. */
  listAll(): Promise<VersionedAlert[]> {
    return this.query(undefined, 'listing alerts');
  }

  async put(record: AlertRecord, etag: string | null): Promise<string> {
    const entity = this.entityOf(record);
    let written: string | undefined;
    try {
      const response = etag === null ? await this.table.createEntity(entity) : await this.table.updateEntity(entity, 'Replace', { etag });
      written = response.etag;
    } catch (error) {
      // 409: created since our read; 412: changed since; 404: deleted since.
      const lostRace = etag === null ? isStatus(error, 409) : isStatus(error, 412) || isEntityNotFound(error);
      if (!lostRace) throw this.failure(`writing alert ${record.key}`, error);
      // The SDK retries a request whose response was lost; if the first try had landed, the retry
      // meets our own entity (409 or 412), which our writeId tells apart from anyone else's,
      // including a concurrent writer of an identical record.
      const landed = await this.ownWrite(entity, record.key);
      if (landed !== undefined) return landed;
      throw new AlertConflictError(`alert ${record.key} changed concurrently (${this.location})`);
    }
    written ??= await this.ownWrite(entity, record.key);
    if (written === undefined) throw new Error(`alert table ${this.location}: writing alert ${record.key} returned no ETag, and the entity is no longer ours`);
    return written;
  }

  /**
   * A 404 is a conflict too, even when it is the SDK retrying our own delete whose response was
   * lost: nothing is left to read back, and the caller's next read finds the record gone.
   */
  async delete(key: string, etag: string): Promise<void> {
    const rowKey = rowKeyOf(key);
    if (rowKey === undefined) throw new AlertConflictError(`alert ${key} does not exist (${this.location})`);
    try {
      await this.table.deleteEntity(partitionOf(key), rowKey, { etag });
    } catch (error) {
      if (isStatus(error, 412) || isEntityNotFound(error)) throw new AlertConflictError(`alert ${key} changed concurrently (${this.location})`);
      throw this.failure(`removing alert ${key}`, error);
    }
  }

  /** Reads every page before parsing, so a service failure and a corrupt entity stay distinct errors. */
  private async query(filter: string | undefined, doing: string): Promise<VersionedAlert[]> {
    const entities: Stored[] = [];
    try {
      const pages = this.table.listEntities<Record<string, unknown>>(filter === undefined ? {} : { queryOptions: { filter } });
      for await (const entity of pages) entities.push(entity);
    } catch (error) {
      throw this.failure(doing, error);
    }
    return entities.map((entity) => this.toVersioned(entity));
  }

  /** The entity's ETag if it now holds the write `entity` made, undefined if someone else's (or none). */
  private async ownWrite(entity: Entity, key: string): Promise<string | undefined> {
    let current: Stored;
    try {
      current = await this.table.getEntity<Record<string, unknown>>(entity.partitionKey, entity.rowKey, { queryOptions: { select: ['writeId'] } });
    } catch (error) {
      if (isEntityNotFound(error)) return undefined;
      throw this.failure(`reading back alert ${key}`, error);
    }
    return current['writeId'] === entity['writeId'] ? current.etag : undefined;
  }

  /** Refuses, before any request, a record this store could not write or read back unchanged. */
  private entityOf(record: AlertRecord): Entity {
    const refuse = (why: string) => new Error(`alert table ${this.location}: refusing to store alert ${JSON.stringify(String(record.key).slice(0, 200))}: ${why}`);
    const parsed = alertRecordSchema.safeParse(record);
    if (!parsed.success) throw refuse(issue(parsed.error));
    const checked = parsed.data;
    // The layout finds records by key: listUnder trusts it to begin with the resource id.
    if (checked.key !== alertKey(checked.resourceId, checked.control)) throw refuse('key is not "<resource id, lower case>|<control>"');
    const rowKey = rowKeyOf(checked.key);
    if (rowKey === undefined) throw refuse(`the escaped key is longer than a RowKey's ${MAX_KEY_CHARS} characters`);
    const parts = split(asciiJson(checked));
    const entity: Entity = {
      partitionKey: partitionOf(checked.key),
      rowKey,
      state: checked.state,
      resourceId: checked.resourceId,
      writeId: randomUUID(),
      ...Object.fromEntries(parts.map((part, i) => [partName(i), part])),
      ...(parts.length > 1 ? { recordParts: parts.length } : {}),
    };
    const size = entitySize(entity);
    if (size > ENTITY_BUDGET_BYTES) throw refuse(`it needs about ${size} bytes, over the 1 MiB entity limit (findings or planned changes too large)`);
    return entity;
  }

  /** A corrupted entity throws, naming the store and the entity, rather than read as "no alert". */
  private toVersioned(entity: Stored): VersionedAlert {
    const { partitionKey, rowKey, etag } = entity;
    if (typeof partitionKey !== 'string' || typeof rowKey !== 'string') throw new Error(`alert table ${this.location} returned an entity without keys`);
    const invalid = (why: string) =>
      new Error(`alert table ${this.location} holds an invalid entity (PartitionKey ${JSON.stringify(partitionKey.slice(0, 120))}, RowKey ${JSON.stringify(rowKey.slice(0, 1024))}): ${why}`);
    const text = joined(entity);
    if (typeof text !== 'string') throw invalid(text.error);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw invalid('record is not JSON');
    }
    const parsed = alertRecordSchema.safeParse(json);
    if (!parsed.success) throw invalid(issue(parsed.error));
    const record = parsed.data;
    // A record copied under another key would be found by one key and updated under another.
    if (fromTableKey(rowKey) !== record.key || partitionKey !== partitionOf(record.key)) throw invalid(`record key ${JSON.stringify(record.key.slice(0, 200))} does not match the entity's keys`);
    if (typeof etag !== 'string' || etag.length === 0) throw invalid('no ETag');
    return { record, etag };
  }

  private failure(doing: string, error: unknown): Error {
    return new Error(`alert table ${this.location}: ${doing} failed: ${describeTableError(error)}`, { cause: error });
  }
}

/** The subscription id a key or resource key names, lower case as the key is; undefined if none. */
function subscriptionOf(key: string): string | undefined {
  return /^\/subscriptions\/([^/|]+)/.exec(key)?.[1];
}

function partitionOf(key: string): string {
  const subscription = subscriptionOf(key);
  return subscription === undefined ? NO_SUBSCRIPTION : toTableKey(subscription);
}

function rowKeyOf(key: string): string | undefined {
  const rowKey = toTableKey(key);
  return rowKey.length > MAX_KEY_CHARS ? undefined : rowKey;
}

function isUnder(resource: string, resourceKey: string): boolean {
  return resource === resourceKey || resource.startsWith(`${resourceKey}/`);
}

function partName(index: number): string {
  return index === 0 ? 'record' : `record${index}`;
}

/** JSON with every character outside printable ASCII escaped (see the module comment). */
function asciiJson(value: unknown): string {
  // Code units, not code points: a surrogate pair becomes two escapes, which JSON.parse rejoins.
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Parts of at most MAX_PART_CHARS characters (ASCII text: cut anywhere, rejoined before parsing). */
function split(text: string): string[] {
  const parts: string[] = [];
  for (let start = 0; start < text.length; start += MAX_PART_CHARS) parts.push(text.slice(start, start + MAX_PART_CHARS));
  return parts;
}

/** The stored JSON text, or why it cannot be put together. */
function joined(entity: Stored): string | { error: string } {
  const count = entity['recordParts'] ?? 1;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > 64) return { error: 'recordParts is not a part count' };
  let text = '';
  for (let i = 0; i < count; i++) {
    const part = entity[partName(i)];
    if (typeof part !== 'string') return { error: `${partName(i)} is ${part === undefined ? 'missing' : 'not a string'}` };
    text += part;
  }
  return text;
}

/**
 * The larger of two estimates: the service's (UTF-16: 4 bytes, the keys, and per property 8
 * bytes + its name + its value, a string 4 + 2 per unit, an Int32 4) and Azurite's, which
 * counts the request body's UTF-8 bytes (JSON escaping of the quotes in `record` included).
 */
function entitySize(entity: Entity): number {
  let utf16 = 4 + (entity.partitionKey.length + entity.rowKey.length) * 2;
  for (const [name, value] of Object.entries(entity)) {
    if (name === 'partitionKey' || name === 'rowKey') continue;
    utf16 += 8 + name.length * 2 + (typeof value === 'string' ? 4 + value.length * 2 : 4);
  }
  return Math.max(utf16, Buffer.byteLength(JSON.stringify(entity), 'utf8'));
}

function issue(error: z.ZodError): string {
  const first = error.issues[0];
  return first === undefined ? 'invalid' : `${first.path.join('.') || 'record'}: ${first.message}`;
}
