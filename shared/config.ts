/**
 * Service configuration: a JSON file (`--config`) plus environment variables, validated
 * once at start. A bad config is bad input: the service refuses to start rather than run
 * with a guess.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { tryParseResourceId } from './arm/resourceId.js';
import { BLOB_SERVICE, KEY_VAULT, LOG_WORKSPACE } from './arm/resourceTypes.js';
import { OWNER_ROLE_ID, RBAC_ADMINISTRATOR_ROLE_ID, USER_ACCESS_ADMINISTRATOR_ROLE_ID } from './arm/roles.js';
import { isControlId } from './controls.js';
import { normalizeGuid } from './events.js';
import { keyVaultPolicySchema } from './keyVaultPolicy.js';
import type { Policy } from './remediator.js';

const mode = z.enum(['off', 'alert', 'remediate']);

const GUID_PATTERN = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
/** Management group names: letters, digits, `-`, `_`, `.`, `(`, `)`; at most 90 characters. */
const MANAGEMENT_GROUP_PATTERN = /^[A-Za-z0-9_.()-]{1,90}$/;

/** Owner, User Access Administrator, Role Based Access Control Administrator: they can grant access. */
export const PRIVILEGED_BUILT_IN_ROLES = [OWNER_ROLE_ID, USER_ACCESS_ADMINISTRATOR_ROLE_ID, RBAC_ADMINISTRATOR_ROLE_ID] as const;

const severity = z.enum(['low', 'medium', 'high']);
const sinkName = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'sink names are lower-case letters, digits and hyphens');
/** Names of app settings / environment variables that hold a secret: secrets never sit in the config file. */
const envName = z.string().regex(/^[A-Z_][A-Z0-9_]{0,127}$/, 'an environment variable name');

/**
 * Where alerts go besides the log. Secrets (topic keys, webhook URLs and signing keys) are
 * named by the environment variable that holds them; in Azure those are Key Vault references.
 */
const alertSinkSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('eventGrid'),
      name: sinkName,
      /** `https://<topic>.<region>-1.eventgrid.azure.net/api/events`. */
      endpoint: z.url({ protocol: /^https$/ }),
      /** Access key variable; without it the service's Entra identity is used (EventGrid Data Sender). */
      keyEnv: envName.optional(),
      minSeverity: severity.default('low'),
    })
    .strict(),
  z
    .object({
      type: z.literal('webhook'),
      name: sinkName,
      /** Variable holding the https URL (chat webhook URLs carry tokens). */
      urlEnv: envName,
      /** Variable holding the HMAC signing key (required for the json format). */
      secretEnv: envName.optional(),
      format: z.enum(['json', 'teams', 'slack']).default('json'),
      minSeverity: severity.default('medium'),
    })
    .strict(),
]);

const alertsSchema = z
  .object({
    /** Severity per control id or remediator id, over the defaults (shared/alerts/severity.ts). */
    severity: z.record(z.string(), severity).default({}),
    sinks: z.array(alertSinkSchema).max(20).default([]),
  })
  .strict();

export type AlertSinkConfig = z.infer<typeof alertSinkSchema>;

/** Log Analytics tables that hold who-did-what evidence: activity, resource audit and sign-in logs. */
export const DEFAULT_AUDIT_TABLES = ['AzureActivity', 'AzureDiagnostics', 'StorageBlobLogs', 'AZKVAuditLogs', 'AuditLogs', 'SigninLogs'] as const;

/** Category (or category group) names as Azure Monitor spells them (`StorageRead`, `AuditEvent`, `allLogs`). */
const logName = z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,127}$/, 'a log category name');

/** What a monitored type's diagnostic setting must send; at least one category or group. */
function requiredLogs(categories: readonly string[]) {
  return z
    .object({ categories: z.array(logName).max(100).default([...categories]), categoryGroups: z.array(logName).max(20).default([]) })
    .strict()
    .refine((logs) => logs.categories.length + logs.categoryGroups.length > 0, 'name at least one log category or category group')
    .prefault({});
}

const configFile = z
  .object({
    /** Object ids and app ids of the service's own identity: its changes are ignored (no loops). */
    selfIds: z.array(z.string()).default([]),
    /** Subscription-wide mode per remediator id; resource-group overrides come with the modes store. */
    modes: z.record(z.string(), mode).default({}),
    /** Alert with the planned change instead of remediating, everywhere. */
    dryRun: z.boolean().default(false),
    policy: z
      .object({
        minimumTlsVersion: z.enum(['TLS1_2', 'TLS1_3']).default('TLS1_2'),
        roleAssignments: z
          .object({
            privilegedRoleIds: z.array(z.string().regex(GUID_PATTERN)).default([...PRIVILEGED_BUILT_IN_ROLES]),
            maxAgeDays: z.record(z.string(), z.number().int().min(1).max(3650)).default({ User: 90 }),
            protectedPrincipalIds: z.array(z.string().regex(GUID_PATTERN)).default([]),
          })
          .strict()
          .prefault({}),
        dataProtection: z
          .object({
            /** Blob soft delete: deleted blobs recoverable for at least this many days (Azure allows 1-365). */
            blobSoftDeleteDays: z.number().int().min(1).max(365).default(7),
            containerSoftDeleteDays: z.number().int().min(1).max(365).default(7),
            /** Blob versioning: every overwrite keeps the previous version. */
            versioning: z.boolean().default(true),
          })
          .strict()
          .prefault({}),
        auditRetention: z
          .object({
            /** Six years: 164.316(b)(2)(i). */
            days: z.number().int().min(1).max(146_000).default(2190),
            /** Container names (or `prefix*`) holding audit logs, beyond the defaults (DESIGN §9). */
            containers: z.array(z.string().regex(/^(\$logs|[a-z0-9][a-z0-9-]{1,61}[a-z0-9]\*?|[a-z0-9-]{1,62}\*)$/)).default([]),
          })
          .strict()
          .prefault({}),
        logRetention: z
          .object({
            workspaceRetentionDays: z.number().int().min(30).max(730).default(90),
            // Six years (164.316(b)(2)(i)); Log Analytics takes whole years past 730 days, so 2190 becomes 2191.
            tableTotalRetentionDays: z.number().int().min(4).max(4383).default(2190),
            tables: z.array(z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,62}$/)).default([...DEFAULT_AUDIT_TABLES]),
          })
          .strict()
          .prefault({}),
        diagnosticSettings: z
          .object({
            /** The diagnostic setting every monitored resource must have (restored when deleted or changed). */
            name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,259}$/, 'letters, digits, `_`, `.` and `-`').default('hipaa-audit'),
            /** ARM id of the Log Analytics workspace audit logs go to (or HIPAA_REMEDIATOR_LOG_WORKSPACE_ID); none: alert, never guess. */
            workspaceId: z.string().max(1024).optional(),
            /** Per monitored type: the log categories (and category groups) its setting must send. */
            logs: z
              .object({
                [BLOB_SERVICE]: requiredLogs(['StorageRead', 'StorageWrite', 'StorageDelete']),
                [KEY_VAULT]: requiredLogs(['AuditEvent']),
              })
              .strict()
              .prefault({}),
          })
          .strict()
          .prefault({}),
        /** Vault recoverability, network exposure, key rotation (shared/keyVaultPolicy.ts has the rules). */
        keyVault: keyVaultPolicySchema,
        // (schema) more policy sections: insert above this line
      })
      .strict()
      .prefault({}),
    arm: z
      .object({
        /** SDK retries (429 with Retry-After, 5xx) per request. */
        maxRetries: z.number().int().min(0).max(10).default(3),
        /** Wall-clock budget for one event's ARM work; past it the invocation fails and Event Grid redelivers. */
        eventBudgetMs: z.number().int().min(1000).max(25_000).default(20_000),
      })
      .strict()
      .default({ maxRetries: 3, eventBudgetMs: 20_000 }),
    /** Events processed in parallel within one batch (different resources; one resource is serialised). */
    concurrency: z.number().int().min(1).max(64).default(8),
    /** Blast-radius cap: one batch (or sweep) remediates at most this many resources and alerts on the rest. */
    maxRemediationsPerBatch: z.number().int().min(0).max(100_000).default(50),
    alerts: alertsSchema.default({ severity: {}, sinks: [] }),
    /**
     * What the deployment watches: subscriptions and management groups (whose subscriptions are
     * resolved through Resource Graph), joined with HIPAA_REMEDIATOR_SUBSCRIPTIONS / _MANAGEMENT_GROUPS.
     */
    scope: z
      .object({
        subscriptions: z.array(z.string().regex(GUID_PATTERN, 'a subscription id (GUID)')).max(10_000).default([]),
        managementGroups: z.array(z.string().regex(MANAGEMENT_GROUP_PATTERN, 'a management group name')).max(100).default([]),
        /**
         * `resource-graph`: one paged query per family across every subscription; `list-apis`:
         * per-subscription ARM listings; `auto`: Resource Graph for a family only where its pages
         * are few against the listings they replace (shared/arm/gateway.ts says the rule).
         */
        sweepSource: z.enum(['auto', 'resource-graph', 'list-apis']).default('auto'),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export interface ServiceConfig {
  selfIds: ReadonlySet<string>;
  modes: Readonly<Record<string, 'off' | 'alert' | 'remediate'>>;
  dryRun: boolean;
  policy: Policy;
  arm: { maxRetries: number; eventBudgetMs: number };
  concurrency: number;
  maxRemediationsPerBatch: number;
  alerts: { severity: Readonly<Record<string, 'low' | 'medium' | 'high'>>; sinks: readonly AlertSinkConfig[] };
  scope: WatchScopeConfig;
}

/** Subscriptions (lower case) and management groups named in config and environment. */
export interface WatchScopeConfig {
  subscriptions: readonly string[];
  managementGroups: readonly string[];
  sweepSource: SweepSourceSetting;
}

export type SweepSourceSetting = 'resource-graph' | 'list-apis' | 'auto';
export const SWEEP_SOURCES: readonly SweepSourceSetting[] = ['auto', 'resource-graph', 'list-apis'];

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Builds the config from parsed JSON and the environment; throws ConfigError with the reason. */
export function buildConfig(json: unknown, env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  const parsed = configFile.safeParse(json ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue === undefined || issue.path.length === 0 ? '(root)' : issue.path.join('.');
    throw new ConfigError(`invalid config at ${where}: ${issue?.message ?? 'invalid'}`);
  }
  const fromEnv = (env['HIPAA_REMEDIATOR_SELF_IDS'] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  const selfIds = new Set<string>();
  for (const raw of [...parsed.data.selfIds, ...fromEnv]) {
    const id = normalizeGuid(raw);
    if (id === undefined) throw new ConfigError(`self id "${raw.slice(0, 60)}" is not a GUID`);
    selfIds.add(id);
  }
  return {
    selfIds,
    modes: parsed.data.modes,
    dryRun: parsed.data.dryRun,
    policy: {
      minimumTlsVersion: parsed.data.policy.minimumTlsVersion,
      roleAssignments: {
        privilegedRoleIds: parsed.data.policy.roleAssignments.privilegedRoleIds.map((id) => id.toLowerCase()),
        maxAgeDays: parsed.data.policy.roleAssignments.maxAgeDays,
        // The service's own identity is never revoked by itself.
        protectedPrincipalIds: [...new Set([...parsed.data.policy.roleAssignments.protectedPrincipalIds.map((id) => id.toLowerCase()), ...selfIds])],
      },
      dataProtection: parsed.data.policy.dataProtection,
      auditRetention: {
        days: parsed.data.policy.auditRetention.days,
        containers: [...new Set([...DEFAULT_AUDIT_CONTAINERS, ...auditContainerOfService(env), ...parsed.data.policy.auditRetention.containers])],
      },
      logRetention: parsed.data.policy.logRetention,
      diagnosticSettings: {
        name: parsed.data.policy.diagnosticSettings.name,
        workspaceId: auditWorkspaceId(parsed.data.policy.diagnosticSettings.workspaceId, env),
        logs: parsed.data.policy.diagnosticSettings.logs,
      },
      keyVault: parsed.data.policy.keyVault,
      // (build) more policy sections: insert above this line
    },
    arm: parsed.data.arm,
    concurrency: parsed.data.concurrency,
    maxRemediationsPerBatch: parsed.data.maxRemediationsPerBatch,
    alerts: checkedAlerts(parsed.data.alerts),
    scope: watchScope(parsed.data.scope, env),
  };
}

function watchScope(file: { subscriptions: string[]; managementGroups: string[]; sweepSource: WatchScopeConfig['sweepSource'] }, env: NodeJS.ProcessEnv): WatchScopeConfig {
  const listed = (name: string): string[] =>
    (env[name] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
  const subscriptions = new Set(file.subscriptions.map((s) => s.toLowerCase()));
  for (const id of [...listed('AZURE_SUBSCRIPTION_ID'), ...listed('HIPAA_REMEDIATOR_SUBSCRIPTIONS')]) {
    if (!GUID_PATTERN.test(id)) throw new ConfigError(`subscription "${id.slice(0, 60)}" in the environment is not a GUID`);
    subscriptions.add(id.toLowerCase());
  }
  const managementGroups = new Set(file.managementGroups);
  for (const name of listed('HIPAA_REMEDIATOR_MANAGEMENT_GROUPS')) {
    if (!MANAGEMENT_GROUP_PATTERN.test(name)) throw new ConfigError(`management group "${name.slice(0, 60)}" in HIPAA_REMEDIATOR_MANAGEMENT_GROUPS is not a valid name`);
    managementGroups.add(name);
  }
  const source = env['HIPAA_REMEDIATOR_SWEEP_SOURCE'];
  if (source !== undefined && source !== '' && !(SWEEP_SOURCES as readonly string[]).includes(source)) {
    throw new ConfigError('HIPAA_REMEDIATOR_SWEEP_SOURCE must be resource-graph, list-apis or auto');
  }
  return {
    subscriptions: [...subscriptions],
    managementGroups: [...managementGroups],
    sweepSource: source !== undefined && (SWEEP_SOURCES as readonly string[]).includes(source) ? (source as SweepSourceSetting) : file.sweepSource,
  };
}

export async function loadConfig(path: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<ServiceConfig> {
  if (path === undefined) return buildConfig({}, env);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read config ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ConfigError(`config ${path} is not valid JSON`);
  }
  return buildConfig(json, env);
}

/** Where Azure Monitor archives activity and resource logs (DESIGN §9). */
export const DEFAULT_AUDIT_CONTAINERS = ['insights-activity-logs', 'insights-logs-*'] as const;

/** The service's own audit container (HIPAA_REMEDIATOR_AUDIT_CONTAINER_URL) is audit evidence too. */
function auditContainerOfService(env: NodeJS.ProcessEnv): string[] {
  const url = env['HIPAA_REMEDIATOR_AUDIT_CONTAINER_URL'];
  if (url === undefined || url.length === 0) return [];
  try {
    const name = new URL(url).pathname.split('/').filter((part) => part.length > 0).at(-1);
    return name === undefined ? [] : [name.toLowerCase()];
  } catch {
    throw new ConfigError('HIPAA_REMEDIATOR_AUDIT_CONTAINER_URL is not a URL');
  }
}

/**
 * The audit workspace of diagnostic settings, from the config file or HIPAA_REMEDIATOR_LOG_WORKSPACE_ID:
 * a Log Analytics workspace id, or undefined when neither names one. Two different ones are refused.
 */
function auditWorkspaceId(fromFile: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  const fromEnv = env['HIPAA_REMEDIATOR_LOG_WORKSPACE_ID']?.trim();
  const check = (raw: string, where: string): string => {
    const parsed = tryParseResourceId(raw);
    if (!parsed.ok || parsed.value.resourceType.toLowerCase() !== LOG_WORKSPACE.toLowerCase()) {
      throw new ConfigError(`${where} a Log Analytics workspace id (/subscriptions/<id>/resourceGroups/<rg>/providers/${LOG_WORKSPACE}/<name>)`);
    }
    return parsed.value.id;
  };
  const file = fromFile === undefined ? undefined : check(fromFile, 'invalid config at policy.diagnosticSettings.workspaceId: not');
  const environment = fromEnv === undefined || fromEnv === '' ? undefined : check(fromEnv, 'HIPAA_REMEDIATOR_LOG_WORKSPACE_ID is not');
  if (file !== undefined && environment !== undefined && file.toLowerCase() !== environment.toLowerCase()) {
    throw new ConfigError('policy.diagnosticSettings.workspaceId and HIPAA_REMEDIATOR_LOG_WORKSPACE_ID name different workspaces');
  }
  return file ?? environment;
}

function checkedAlerts(alerts: z.infer<typeof alertsSchema>): ServiceConfig['alerts'] {
  const names = new Set<string>(['log']);
  for (const sink of alerts.sinks) {
    if (names.has(sink.name)) throw new ConfigError(`invalid config at alerts.sinks: duplicate sink name "${sink.name}" ("log" is taken)`);
    names.add(sink.name);
  }
  for (const key of Object.keys(alerts.severity)) {
    if (!isControlId(key) && !/^[a-z][a-z0-9-]{1,62}$/.test(key)) throw new ConfigError(`invalid config at alerts.severity: "${key.slice(0, 60)}" is neither a control id nor a remediator id`);
  }
  return alerts;
}
