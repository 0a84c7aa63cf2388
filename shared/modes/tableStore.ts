/**
 * ModeStore on Azure Table Storage (`@azure/data-tables`): one entity per setting,
 * PartitionKey = remediator id, RowKey = scope. Writes are conditional on the ETag they read,
 * so the "old" value recorded in the audit is exactly the one a change replaced, even when two
 * operators change the same setting at once.
 */
import type { TokenCredential } from '@azure/core-auth';
import { RestError, TableClient, type TableEntityResult, type TableServiceClientOptions } from '@azure/data-tables';
import { z } from 'zod';
import type { ModeScope, ModeSetting, ModeStore } from './store.js';

const entitySchema = z.object({
  partitionKey: z.string().min(1),
  rowKey: z.string().min(1),
  mode: z.enum(['off', 'alert', 'remediate']),
  changedBy: z.string().min(1),
  changedAt: z.string().min(1),
  reason: z.string().optional(),
});

const MAX_ATTEMPTS = 5;

/**
 * Table keys may not contain `/ \\ # ?` or control characters; resource group names can hold
 * `(`, `)`, `.` and unicode but none of those. Percent-encoding keeps the key readable and
 * reversible all the same.
 */
function rowKeyOf(scope: ModeScope): string {
  return encodeURIComponent(scope);
}

function scopeOf(rowKey: string): ModeScope {
  const scope = decodeURIComponent(rowKey);
  if (scope !== '*' && !/^rg:.{1,90}$/u.test(scope)) throw new Error(`mode table holds an unknown scope "${scope.slice(0, 100)}"`);
  return scope as ModeScope;
}

function statusOf(error: unknown): number | undefined {
  return error instanceof RestError ? error.statusCode : undefined;
}

export class TableModeStore implements ModeStore {
  readonly location: string;

  constructor(private readonly table: TableClient) {
    this.location = `${table.url.split('?')[0] ?? table.url}/${table.tableName}`;
  }

  async list(): Promise<ModeSetting[]> {
    const settings: ModeSetting[] = [];
    for await (const entity of this.table.listEntities<Record<string, unknown>>()) settings.push(this.toSetting(entity));
    return settings;
  }

  async set(setting: ModeSetting): Promise<ModeSetting | undefined> {
    const entity = {
      partitionKey: setting.remediator,
      rowKey: rowKeyOf(setting.scope),
      mode: setting.mode,
      changedBy: setting.changedBy,
      changedAt: setting.changedAt,
      ...(setting.reason === undefined ? {} : { reason: setting.reason }),
    };
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const current = await this.read(setting.remediator, setting.scope);
      try {
        if (current === undefined) await this.table.createEntity(entity);
        else await this.table.updateEntity(entity, 'Replace', { etag: current.etag });
        return current?.setting;
      } catch (error) {
        // 409: created meanwhile; 412: changed meanwhile. Read again, so "previous" stays exact.
        const status = statusOf(error);
        if ((status === 409 || status === 412) && attempt < MAX_ATTEMPTS) continue;
        throw error;
      }
    }
    throw new Error(`mode table ${this.location}: too many concurrent changes`);
  }

  async unset(remediator: string, scope: ModeScope): Promise<ModeSetting | undefined> {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const current = await this.read(remediator, scope);
      if (current === undefined) return undefined;
      try {
        await this.table.deleteEntity(remediator, rowKeyOf(scope), { etag: current.etag });
        return current.setting;
      } catch (error) {
        const status = statusOf(error);
        if (status === 404) return undefined;
        if (status === 412 && attempt < MAX_ATTEMPTS) continue;
        throw error;
      }
    }
    throw new Error(`mode table ${this.location}: too many concurrent changes`);
  }

  private async read(remediator: string, scope: ModeScope): Promise<{ setting: ModeSetting; etag: string } | undefined> {
    try {
      const entity = await this.table.getEntity<Record<string, unknown>>(remediator, rowKeyOf(scope));
      return { setting: this.toSetting(entity), etag: entity.etag };
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  /** A corrupted entity throws: the resolver then fails safe instead of guessing. */
  private toSetting(entity: TableEntityResult<Record<string, unknown>>): ModeSetting {
    const parsed = entitySchema.safeParse(entity);
    if (!parsed.success) throw new Error(`mode table ${this.location} holds an invalid entity: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    const { partitionKey, rowKey, mode, changedBy, changedAt, reason } = parsed.data;
    return { remediator: partitionKey, scope: scopeOf(rowKey), mode, changedBy, changedAt, ...(reason === undefined ? {} : { reason }) };
  }
}

export function tableClientFromConnectionString(connectionString: string, tableName: string, options: TableServiceClientOptions = {}): TableClient {
  // Azurite speaks plain http on loopback; the SDK refuses that unless told.
  return TableClient.fromConnectionString(connectionString, tableName, { allowInsecureConnection: connectionString.includes('http://127.0.0.1'), ...options });
}

export function tableClientFromUrl(accountUrl: string, tableName: string, credential: TokenCredential, options: TableServiceClientOptions = {}): TableClient {
  return new TableClient(accountUrl, tableName, credential, options);
}

export async function ensureTable(client: TableClient): Promise<void> {
  await client.createTable();
}
