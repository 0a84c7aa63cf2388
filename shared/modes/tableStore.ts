/**
 * ModeStore on Azure Table Storage (`@azure/data-tables`): one entity per setting,
 * PartitionKey = remediator id, RowKey = scope (both escaped, see {@link toTableKey}): `*` and
 * `rg:<name>` rows are stored verbatim, as they always were; the `/` of `sub:<guid>/rg:<name>`
 * is stored as `!2F` (Table keys cannot hold `/`) and read back as `/`.
 * Writes are conditional on the ETag they read, so the "old" value recorded in the audit is
 * exactly the one a change replaced, even when two operators change the same setting at once.
 */
import type { TableClient, TableEntityResult } from '@azure/data-tables';
import { describeTableError, fromTableKey, isEntityNotFound, isStatus, toTableKey } from '../tables.js';
import { z } from 'zod';
import { modeSettingSchema, type ModeScope, type ModeSetting, type ModeStore } from './store.js';

// Callers (tests, tools) have always found the Table helpers here.
export { ensureTable, fromTableKey, tableClientFromConnectionString, tableClientFromUrl, toTableKey } from '../tables.js';

/**
 * Conditional writes that lose a race are retried after reading again. Each lost race means
 * another writer succeeded after our read, so with n concurrent writers none needs more than n
 * attempts; this bound covers far more operators than ever change one setting at once.
 */
const MAX_ATTEMPTS = 8;

/** One entity as read, with the ETag a conditional write needs. */
interface Current {
  setting: ModeSetting;
  etag: string;
}

/** A {@link ModeStore} on one Azure Table; see the module comment for the entity layout. */
export class TableModeStore implements ModeStore {
  /** `<account url>/<table>`, without any query string (a SAS would be a credential). */
  readonly location: string;

  /**
   * @param table - a client for the mode table; build it with {@link tableClientFromUrl} (Entra
   *   identity, in Azure) or {@link tableClientFromConnectionString} (Azurite). The table must
   *   exist ({@link ensureTable}); a missing table makes every operation throw.
   */
  constructor(private readonly table: TableClient) {
    const account = (table.url.split('?')[0] ?? table.url).replace(/\/+$/, '');
    this.location = `${account}/${table.tableName}`;
  }

  /** Every setting, over all result pages; throws if the table is unreadable or holds an invalid entity. */
  async list(): Promise<ModeSetting[]> {
    const entities: TableEntityResult<Record<string, unknown>>[] = [];
    try {
      for await (const entity of this.table.listEntities<Record<string, unknown>>()) entities.push(entity);
    } catch (error) {
      throw this.failure('listing settings', error);
    }
    return entities.map((entity) => this.toSetting(entity));
  }

  /**
   * Creates (if absent) or replaces (if unchanged since read) the entity; on a lost race it reads
   * again, so the setting returned is exactly the one this write replaced.
   */
  async set(setting: ModeSetting): Promise<ModeSetting | undefined> {
    const checked = this.checked(setting);
    const entity = {
      partitionKey: toTableKey(checked.remediator),
      rowKey: toTableKey(checked.scope),
      mode: checked.mode,
      changedBy: checked.changedBy,
      changedAt: checked.changedAt,
      ...(checked.reason === undefined ? {} : { reason: checked.reason }),
    };
    // What the latest write that lost its race had read: that write may in fact have landed.
    let raced: { basis: Current | undefined } | undefined;
    for (let attempt = 1; ; attempt++) {
      const current = await this.read(checked.remediator, checked.scope);
      // The SDK retries a request whose response was lost; if the first try had landed, the retry
      // meets our own entity (409 or 412). The entity now being exactly ours tells that case apart
      // from a real race, and what our write replaced is what it had read.
      if (raced !== undefined && current !== undefined && sameSetting(current.setting, checked)) return raced.basis?.setting;
      try {
        if (current === undefined) await this.table.createEntity(entity);
        else await this.table.updateEntity(entity, 'Replace', { etag: current.etag });
        return current?.setting;
      } catch (error) {
        // 409: created since our read; 412: changed since; 404: deleted since. Read again.
        const lostRace = isStatus(error, 409) || isStatus(error, 412) || (current !== undefined && isEntityNotFound(error));
        if (!lostRace) throw this.failure(`setting ${named(checked.remediator, checked.scope)}`, error);
        if (attempt >= MAX_ATTEMPTS) throw this.tooManyRaces(checked.remediator, checked.scope);
        raced = { basis: current };
        await backOff(attempt);
      }
    }
  }

  /**
   * Deletes the entity if unchanged since read and returns it; undefined if there was none.
   * When the conditional delete finds the entity gone (404), the setting it had read is returned
   * all the same: either the SDK retried our delete after its response was lost, or another
   * operator removed the same setting at the same moment; reporting the removal in both audit
   * records is better than losing the one that happened.
   */
  async unset(remediator: string, scope: ModeScope): Promise<ModeSetting | undefined> {
    for (let attempt = 1; ; attempt++) {
      const current = await this.read(remediator, scope);
      if (current === undefined) return undefined;
      try {
        await this.table.deleteEntity(toTableKey(remediator), toTableKey(scope), { etag: current.etag });
        return current.setting;
      } catch (error) {
        if (isEntityNotFound(error)) return current.setting;
        if (!isStatus(error, 412)) throw this.failure(`removing ${named(remediator, scope)}`, error);
        if (attempt >= MAX_ATTEMPTS) throw this.tooManyRaces(remediator, scope);
        await backOff(attempt);
      }
    }
  }

  private async read(remediator: string, scope: ModeScope): Promise<Current | undefined> {
    let entity: TableEntityResult<Record<string, unknown>>;
    try {
      entity = await this.table.getEntity<Record<string, unknown>>(toTableKey(remediator), toTableKey(scope));
    } catch (error) {
      if (isEntityNotFound(error)) return undefined;
      throw this.failure(`reading ${named(remediator, scope)}`, error);
    }
    return { setting: this.toSetting(entity), etag: entity.etag };
  }

  /** A corrupted entity throws, naming its keys: the resolver then fails safe instead of guessing. */
  private toSetting(entity: TableEntityResult<Record<string, unknown>>): ModeSetting {
    const { partitionKey, rowKey, mode, changedBy, changedAt, reason } = entity;
    if (typeof partitionKey !== 'string' || typeof rowKey !== 'string') throw new Error(`mode table ${this.location} returned an entity without keys`);
    const invalid = (why: string) =>
      new Error(`mode table ${this.location} holds an invalid entity (PartitionKey ${JSON.stringify(partitionKey.slice(0, 120))}, RowKey ${JSON.stringify(rowKey.slice(0, 120))}): ${why}`);
    const remediator = fromTableKey(partitionKey);
    const scope = fromTableKey(rowKey);
    if (remediator === undefined) throw invalid('PartitionKey is not an escaped remediator id');
    if (scope === undefined) throw invalid('RowKey is not an escaped scope');
    const parsed = modeSettingSchema.safeParse({ remediator, scope, mode, changedBy, changedAt, ...(reason === undefined ? {} : { reason }) });
    if (!parsed.success) throw invalid(issue(parsed.error));
    return { ...parsed.data, scope: parsed.data.scope as ModeScope };
  }

  private checked(setting: ModeSetting): ModeSetting {
    const parsed = modeSettingSchema.safeParse(setting);
    if (!parsed.success) throw new Error(`mode table ${this.location}: refusing to store an invalid setting: ${issue(parsed.error)}`);
    return { ...parsed.data, scope: parsed.data.scope as ModeScope };
  }

  private failure(doing: string, error: unknown): Error {
    return new Error(`mode table ${this.location}: ${doing} failed: ${describeTableError(error)}`, { cause: error });
  }

  private tooManyRaces(remediator: string, scope: ModeScope): Error {
    return new Error(`mode table ${this.location}: ${named(remediator, scope)} kept changing under ${MAX_ATTEMPTS} attempts; try again`);
  }
}

function named(remediator: string, scope: ModeScope): string {
  return `${remediator} at ${scope}`;
}

function issue(error: z.ZodError): string {
  const first = error.issues[0];
  return first === undefined ? 'invalid' : `${first.path.join('.') || 'entity'}: ${first.message}`;
}

function sameSetting(a: ModeSetting, b: ModeSetting): boolean {
  return (
    a.remediator === b.remediator &&
    a.scope === b.scope &&
    a.mode === b.mode &&
    a.changedBy === b.changedBy &&
    a.changedAt === b.changedAt &&
    a.reason === b.reason
  );
}

/** Jitter, so racing writers do not meet again on their next attempt. */
function backOff(attempt: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt));
}
