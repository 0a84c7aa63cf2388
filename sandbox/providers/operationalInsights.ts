import { createHash } from 'node:crypto';
import { z } from 'zod';
import { armTimestamp } from '../armTime.js';
import { ArmError } from '../errors.js';
import { isPlainObject } from '../merge.js';
import type { ArmResource } from '../state.js';
import type { ResourceProvider, ResourceTypeDefinition, WriteContext } from './types.js';
import { validateBody } from './validation.js';

/**
 * Microsoft.OperationalInsights: Log Analytics workspaces and their tables, after
 * azure-rest-api-specs `specification/operationalinsights/resource-manager/
 * Microsoft.OperationalInsights/OperationalInsights/stable/2025-02-01/Workspaces.json` and
 * `Tables.json` (2025-07-01 adds the Auxiliary plan), fixtures in
 * shared/fixtures/arm/operationalinsights/, and the retention rules of the Azure Monitor docs
 * (azure-monitor/logs/data-retention-configure.md, formerly data-retention-archive.md).
 *
 * Known difference from Azure: a table follows the workspace's retention while nobody has
 * written it (it is implicit and computed from the workspace on every read), but a table that
 * has been written keeps the default it had then: a later change of the workspace retention
 * does not reach it until its next write (the engine has no hook to recompute stored children).
 * Workspaces and tables are served without DELETE (405), and without soft delete. The spec's
 * listings have no nextLink (`x-ms-pageable: {nextLinkName: null}`); the engine pages them at its
 * page size like every listing, and the SDK follows the nextLink either way.
 */

const WORKSPACES = 'Microsoft.OperationalInsights/workspaces';
const TABLES = 'Microsoft.OperationalInsights/workspaces/tables';

// ---- workspaces ----

const WORKSPACE_SKUS = ['Free', 'Standard', 'Premium', 'PerNode', 'PerGB2018', 'Standalone', 'CapacityReservation', 'LACluster'] as const;
const CAPACITY_LEVELS = [100, 200, 300, 400, 500, 1000, 2000, 5000, 10000, 25000, 50000] as const;
const NETWORK_ACCESS = z.enum(['Enabled', 'Disabled', 'SecuredByPerimeter']);

const workspaceProperties = z.looseObject({
  sku: z
    .looseObject({
      name: z.enum(WORKSPACE_SKUS),
      capacityReservationLevel: z
        .number()
        .int()
        .refine((level) => (CAPACITY_LEVELS as readonly number[]).includes(level), { message: `expected one of ${CAPACITY_LEVELS.join(', ')}` })
        .optional(),
    })
    .optional(),
  // x-nullable in the spec: null asks for the pricing tier's default.
  retentionInDays: z.number().int().nullable().optional(),
  workspaceCapping: z.looseObject({ dailyQuotaGb: z.number().optional() }).optional(),
  publicNetworkAccessForIngestion: NETWORK_ACCESS.optional(),
  publicNetworkAccessForQuery: NETWORK_ACCESS.optional(),
  forceCmkForQuery: z.boolean().optional(),
  features: z
    .looseObject({
      enableDataExport: z.boolean().nullable().optional(),
      immediatePurgeDataOn30Days: z.boolean().nullable().optional(),
      enableLogAccessUsingOnlyResourcePermissions: z.boolean().nullable().optional(),
      clusterResourceId: z.string().nullable().optional(),
      disableLocalAuth: z.boolean().nullable().optional(),
    })
    .optional(),
  defaultDataCollectionRuleResourceId: z.string().optional(),
});

const workspaceUpdate = z.looseObject({
  tags: z.record(z.string(), z.string()).optional(),
  properties: workspaceProperties.optional(),
});

// A workspace is a tracked resource: a create names its location.
const workspaceCreate = workspaceUpdate.extend({ location: z.string().min(1) });

// Workspace names: 4-63 letters, digits and hyphens, starting and ending with a letter or digit.
const WORKSPACE_NAME = /^[A-Za-z0-9][A-Za-z0-9-]{2,61}[A-Za-z0-9]$/;

const DEFAULT_SKU = 'PerGB2018';
/** The legacy Free tier keeps data seven days and nothing else; every other tier allows 30-730. */
const FREE_RETENTION = 7;
const RETENTION_RANGE = { min: 30, max: 730 } as const;

function defaultRetention(sku: string): number {
  return sku === 'Free' ? FREE_RETENTION : RETENTION_RANGE.min;
}

function skuName(properties: Record<string, unknown> | undefined): string | undefined {
  const sku = properties?.sku;
  return isPlainObject(sku) && typeof sku.name === 'string' ? sku.name : undefined;
}

function bodyProperties(body: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return isPlainObject(body.properties) ? body.properties : {};
}

/**
 * The service's answer to a retention its pricing tier does not allow: 400 BadRequest with
 * this message (recorded answer quoted in Azure/azure-powershell#12524).
 */
function invalidWorkspaceRetention(sku: string): ArmError {
  const expected = sku === 'Free' ? `${FREE_RETENTION} for the Free pricing tier` : `between ${RETENTION_RANGE.min} to ${RETENTION_RANGE.max}`;
  return new ArmError(
    400,
    'BadRequest',
    `The value provided for retention is invalid. the expected value should be ${expected}. see https://docs.microsoft.com/azure/azure-monitor/platform/manage-cost-storage#change-the-data-retention-period for more information`,
  );
}

function validateWorkspace(context: WriteContext): void {
  validateBody(context.method === 'PUT' && context.existing === undefined ? workspaceCreate : workspaceUpdate, context.body);
  const requested = bodyProperties(context.body);
  // A PATCH keeps what it does not name; a PUT falls back to the tier's defaults.
  const kept = context.method === 'PATCH' ? context.existing?.properties : undefined;
  const sku = skuName(requested) ?? skuName(kept) ?? DEFAULT_SKU;
  const retention = requested.retentionInDays !== undefined ? requested.retentionInDays : kept?.retentionInDays;
  if (typeof retention !== 'number') return;
  const allowed = sku === 'Free' ? retention === FREE_RETENTION : retention >= RETENTION_RANGE.min && retention <= RETENTION_RANGE.max;
  if (!allowed) throw invalidWorkspaceRetention(sku);
}

/** A stable customer id per workspace id, so saved states and tests stay reproducible. */
function customerIdFor(id: string): string {
  const hex = createHash('sha256').update(id.toLowerCase()).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** When the daily cap resets: the next midnight UTC, in the RFC 1123 form the service uses. */
function nextQuotaReset(now: Date): string {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1)).toUTCString();
}

/** What the service fills in on every write: defaults for what a PUT left out, read-only state. */
function completeWorkspace(resource: ArmResource, context: WriteContext): ArmResource {
  const properties = { ...resource.properties };
  const previousSku = context.existing?.properties?.sku;
  const name = skuName(properties) ?? DEFAULT_SKU;
  const unchanged = isPlainObject(previousSku) && previousSku.name === name;
  properties.sku = {
    ...(isPlainObject(properties.sku) ? properties.sku : {}),
    name,
    lastSkuUpdate: unchanged && typeof previousSku.lastSkuUpdate === 'string' ? previousSku.lastSkuUpdate : armTimestamp(context.now),
  };
  if (typeof properties.retentionInDays !== 'number') properties.retentionInDays = defaultRetention(name);
  const capping = isPlainObject(properties.workspaceCapping) ? properties.workspaceCapping : {};
  properties.workspaceCapping = {
    dailyQuotaGb: -1,
    ...capping,
    quotaNextResetTime: nextQuotaReset(context.now),
    dataIngestionStatus: 'RespectQuota',
  };
  properties.features = {
    legacy: 0,
    searchVersion: 1,
    enableLogAccessUsingOnlyResourcePermissions: true,
    ...(isPlainObject(properties.features) ? properties.features : {}),
  };
  properties.publicNetworkAccessForIngestion ??= 'Enabled';
  properties.publicNetworkAccessForQuery ??= 'Enabled';
  properties.provisioningState = 'Succeeded';
  properties.modifiedDate = armTimestamp(context.now);
  return { ...resource, properties };
}

const workspaces: ResourceTypeDefinition = {
  type: WORKSPACES,
  methods: ['GET', 'PUT', 'PATCH'],
  listable: true,
  hasEtag: false,
  putSemantics: 'replace',
  // The spec allows 200, 201 or 202 (long-running); the sandbox creates at once and answers 200.
  createdStatus: 200,
  serviceOwnedProperties: ['provisioningState', 'customerId', 'createdDate', 'modifiedDate', 'privateLinkScopedResources'],
  validateName(name) {
    if (!WORKSPACE_NAME.test(name)) {
      throw new ArmError(
        400,
        'BadRequest',
        `The workspace name '${name}' is invalid. It must be 4-63 letters, digits or '-', and can't start or end with '-'.`,
      );
    }
  },
  validate: validateWorkspace,
  createDefaults(resource, context) {
    return {
      ...resource,
      properties: {
        ...resource.properties,
        customerId: customerIdFor(resource.id),
        createdDate: armTimestamp(context.now),
      },
    };
  },
  afterWrite: completeWorkspace,
};

// ---- tables ----

type Plan = 'Analytics' | 'Basic' | 'Auxiliary';
/** A retention the caller chose, or the default it follows. */
type Days = number | 'default';

interface RetentionChoice {
  readonly interactive: Days;
  readonly total: Days;
}

const COLUMN_TYPES = ['string', 'int', 'long', 'real', 'boolean', 'dateTime', 'guid', 'dynamic'] as const;
type ColumnType = (typeof COLUMN_TYPES)[number];

const column = z.looseObject({
  name: z.string().min(1),
  type: z.enum(COLUMN_TYPES),
  dataTypeHint: z.enum(['uri', 'guid', 'armPath', 'ip']).optional(),
  displayName: z.string().optional(),
  description: z.string().optional(),
});

const tableBody = z.looseObject({
  properties: z
    .looseObject({
      // -1 and null both mean "the default" (Tables.json: "Setting this property to -1 will default ...").
      retentionInDays: z.number().int().nullable().optional(),
      totalRetentionInDays: z.number().int().nullable().optional(),
      plan: z.enum(['Analytics', 'Basic', 'Auxiliary']).optional(),
      schema: z
        .looseObject({
          name: z.string().optional(),
          displayName: z.string().optional(),
          description: z.string().optional(),
          columns: z.array(column).optional(),
        })
        .optional(),
    })
    .optional(),
});

const INTERACTIVE_RANGE = { min: 4, max: 730 } as const;
/** Past two years, total retention is whole years only (docs; the service's own error lists them). */
const FULL_YEARS = [1095, 1460, 1826, 2191, 2556, 2922, 3288, 3653, 4018, 4383] as const;
/** Basic and Auxiliary tables have a fixed interactive period of 30 days. */
const NON_ANALYTICS_INTERACTIVE = 30;
/** `Usage` and `AzureActivity` keep data at least 90 days at no charge, more if the workspace keeps more. */
const NINETY_DAY_TABLES = new Set(['azureactivity', 'usage']);

const COMMON_COLUMNS: readonly (readonly [string, ColumnType])[] = [
  ['TenantId', 'guid'],
  ['TimeGenerated', 'dateTime'],
  ['SourceSystem', 'string'],
  ['Type', 'string'],
];

interface StandardTable {
  readonly subType: 'Any' | 'Classic' | 'DataCollectionRuleBased';
  readonly columns: readonly (readonly [string, ColumnType])[];
}

/**
 * The Azure tables every workspace has (a small fixed set: the ones diagnostic settings and
 * audit reviews of this service write and read). Like `blobServices/default`, they exist as
 * soon as the workspace does and cannot be created or deleted. Their columns are a few of the
 * real ones and their subtypes are approximate: nothing here reads either.
 */
const STANDARD_TABLES: Readonly<Record<string, StandardTable>> = {
  AzureActivity: {
    subType: 'DataCollectionRuleBased',
    columns: [['OperationNameValue', 'string'], ['Caller', 'string'], ['CallerIpAddress', 'string'], ['ResourceId', 'string'], ['ActivityStatusValue', 'string']],
  },
  AzureDiagnostics: {
    subType: 'Classic',
    columns: [['ResourceId', 'string'], ['Category', 'string'], ['OperationName', 'string'], ['ResultType', 'string']],
  },
  AzureMetrics: {
    subType: 'Any',
    columns: [['ResourceId', 'string'], ['MetricName', 'string'], ['Total', 'real'], ['Average', 'real']],
  },
  StorageBlobLogs: {
    subType: 'DataCollectionRuleBased',
    columns: [['OperationName', 'string'], ['StatusCode', 'string'], ['CallerIpAddress', 'string'], ['Uri', 'string'], ['AuthenticationType', 'string']],
  },
  AZKVAuditLogs: {
    subType: 'DataCollectionRuleBased',
    columns: [['OperationName', 'string'], ['Identity', 'dynamic'], ['CallerIpAddress', 'string'], ['ResultSignature', 'string']],
  },
  AuditLogs: {
    subType: 'DataCollectionRuleBased',
    columns: [['OperationName', 'string'], ['Category', 'string'], ['Result', 'string'], ['InitiatedBy', 'dynamic']],
  },
  SigninLogs: {
    subType: 'DataCollectionRuleBased',
    columns: [['UserPrincipalName', 'string'], ['AppDisplayName', 'string'], ['IPAddress', 'string'], ['ResultType', 'string']],
  },
  Usage: {
    subType: 'Any',
    columns: [['DataType', 'string'], ['Quantity', 'real'], ['IsBillable', 'boolean']],
  },
};

const CUSTOM_TABLE_NAME = /^[A-Za-z][A-Za-z0-9_]{0,59}_CL$/;

function standardTable(name: string): StandardTable | undefined {
  const key = Object.keys(STANDARD_TABLES).find((candidate) => candidate.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : STANDARD_TABLES[key];
}

function columnsOf(columns: readonly (readonly [string, ColumnType])[], hidden: ReadonlySet<string> = new Set()): Record<string, unknown>[] {
  return columns.map(([name, type]) => ({ name, type, isHidden: hidden.has(name), isDefaultDisplay: false }));
}

/** The read-only parts of a schema, as the service describes its own and custom tables. */
function serviceSchema(name: string): Record<string, unknown> {
  const standard = standardTable(name);
  if (standard === undefined) {
    return {
      tableType: 'CustomLog',
      tableSubType: 'DataCollectionRuleBased',
      source: 'customer',
      standardColumns: columnsOf([['TenantId', 'guid']], new Set(['TenantId'])),
      solutions: ['LogManagement'],
    };
  }
  return {
    tableType: 'Microsoft',
    tableSubType: standard.subType,
    source: 'microsoft',
    // TenantId is hidden in the spec's upsert example answer.
    standardColumns: columnsOf([...COMMON_COLUMNS, ...standard.columns], new Set(['TenantId'])),
    solutions: ['LogManagement'],
  };
}

const WRITABLE_SCHEMA_FIELDS = ['displayName', 'description', 'columns'] as const;

/** The schema after a write: the service's parts kept, the caller's custom columns as given. */
function schemaAfter(name: string, previous: unknown, requested: unknown): Record<string, unknown> {
  const source = isPlainObject(requested) ? requested : isPlainObject(previous) ? previous : {};
  const schema: Record<string, unknown> = { name, ...serviceSchema(name) };
  for (const field of WRITABLE_SCHEMA_FIELDS) if (source[field] !== undefined) schema[field] = structuredClone(source[field]);
  const columns = Array.isArray(schema.columns) ? schema.columns : [];
  // The answer marks custom columns the way the spec's TablesUpsert example shows them.
  schema.columns = columns.map((entry: unknown) => (isPlainObject(entry) ? { isHidden: false, isDefaultDisplay: false, ...entry } : entry));
  return schema;
}

function workspaceRetentionOf(workspace: ArmResource | undefined): number {
  const value = workspace?.properties?.retentionInDays;
  return typeof value === 'number' ? value : RETENTION_RANGE.min;
}

function defaultInteractive(table: string, workspace: ArmResource | undefined): number {
  const days = workspaceRetentionOf(workspace);
  return NINETY_DAY_TABLES.has(table.toLowerCase()) ? Math.max(90, days) : days;
}

function planOf(properties: Record<string, unknown> | undefined): Plan | undefined {
  const plan = properties?.plan;
  return plan === 'Analytics' || plan === 'Basic' || plan === 'Auxiliary' ? plan : undefined;
}

/** What a stored (or implicit) table says the caller chose. */
function choiceOf(properties: Record<string, unknown> | undefined): RetentionChoice {
  const explicit = (value: unknown, asDefault: unknown): Days => (asDefault === false && typeof value === 'number' ? value : 'default');
  return {
    interactive: explicit(properties?.retentionInDays, properties?.retentionInDaysAsDefault),
    total: explicit(properties?.totalRetentionInDays, properties?.totalRetentionInDaysAsDefault),
  };
}

function requestedDays(value: unknown): Days | undefined {
  if (value === undefined) return undefined;
  return typeof value === 'number' && value !== -1 ? value : 'default';
}

/**
 * The choice after a write. PATCH keeps what it does not name; PUT resets what it does not
 * name to the defaults (docs: "The PUT API sets retentionInDays and totalRetentionInDays to the
 * default value if you don't set non-null values").
 */
function choiceAfter(context: WriteContext): RetentionChoice {
  const previous: RetentionChoice = context.method === 'PATCH' ? choiceOf(context.existing?.properties) : { interactive: 'default', total: 'default' };
  const requested = bodyProperties(context.body);
  return {
    interactive: requestedDays(requested.retentionInDays) ?? previous.interactive,
    total: requestedDays(requested.totalRetentionInDays) ?? previous.total,
  };
}

function planAfter(context: WriteContext): Plan {
  return planOf(bodyProperties(context.body)) ?? planOf(context.existing?.properties) ?? 'Analytics';
}

interface RetentionView {
  readonly retentionInDays: number;
  readonly totalRetentionInDays: number;
  readonly archiveRetentionInDays: number;
  readonly retentionInDaysAsDefault: boolean;
  readonly totalRetentionInDaysAsDefault: boolean;
}

/** Interactive and total retention as GET shows them; the archive is what lies between. */
function retentionView(table: string, plan: Plan, choice: RetentionChoice, workspace: ArmResource | undefined): RetentionView {
  const interactive =
    plan !== 'Analytics' ? NON_ANALYTICS_INTERACTIVE : choice.interactive === 'default' ? defaultInteractive(table, workspace) : choice.interactive;
  const total = choice.total === 'default' ? interactive : choice.total;
  return {
    retentionInDays: interactive,
    totalRetentionInDays: total,
    archiveRetentionInDays: total - interactive,
    retentionInDaysAsDefault: choice.interactive === 'default',
    totalRetentionInDaysAsDefault: choice.total === 'default',
  };
}

/**
 * A table request the service refuses. The code is approximated: public records show the
 * messages (below) but not reliably the code; deployments report InvalidParameter.
 */
function invalidTable(message: string): ArmError {
  return new ArmError(400, 'InvalidParameter', message);
}

function checkRetentionValues(requested: Record<string, unknown>): void {
  const interactive = requested.retentionInDays;
  if (typeof interactive === 'number' && interactive !== -1 && (interactive < INTERACTIVE_RANGE.min || interactive > INTERACTIVE_RANGE.max)) {
    throw invalidTable(
      `The specified retention value is invalid. Allowed values are: [${INTERACTIVE_RANGE.min}-${INTERACTIVE_RANGE.max}] days, or -1 for the workspace default.`,
    );
  }
  const total = requested.totalRetentionInDays;
  const inRange = typeof total === 'number' && total >= INTERACTIVE_RANGE.min && total <= INTERACTIVE_RANGE.max;
  if (typeof total === 'number' && total !== -1 && !inRange && !(FULL_YEARS as readonly number[]).includes(total)) {
    // The service's own wording (quoted in MicrosoftDocs/azure-docs#96177 and Azure/azure-cli#25660), with today's 12-year list.
    throw invalidTable(
      `The specified total retention value is invalid. The value beyond two years is restricted to full years. Allowed values are: [${INTERACTIVE_RANGE.min}-${INTERACTIVE_RANGE.max}], ${FULL_YEARS.join(', ')} days.`,
    );
  }
}

function checkPlan(context: WriteContext, requested: Record<string, unknown>): void {
  const asked = planOf(requested);
  const current = planOf(context.existing?.properties);
  if (context.existing === undefined || asked === undefined || asked === current) return;
  // Auxiliary is chosen when a custom table is created and never changed afterwards (docs: table plans).
  if (asked === 'Auxiliary' || current === 'Auxiliary') {
    throw invalidTable(`The plan of table '${context.existing.name}' can't be changed to or from Auxiliary; the Auxiliary plan is set when a custom table is created.`);
  }
}

function checkCustomTableSchema(name: string, requested: Record<string, unknown>): void {
  const schema = requested.schema;
  const columns = isPlainObject(schema) && Array.isArray(schema.columns) ? schema.columns : [];
  const timeGenerated = columns.some((entry: unknown) => isPlainObject(entry) && entry.name === 'TimeGenerated' && entry.type === 'dateTime');
  if (!timeGenerated) throw invalidTable(`The schema of custom table '${name}' must define the column 'TimeGenerated' of type 'dateTime'.`);
}

function validateTable(context: WriteContext): void {
  validateBody(tableBody, context.body);
  const requested = bodyProperties(context.body);
  const name = context.resourceId.split('/').at(-1) ?? '';
  if (requested.searchResults !== undefined || requested.restoredLogs !== undefined) {
    throw invalidTable('Search jobs and restores are not modelled by the sandbox.');
  }
  const changesRetention = requested.retentionInDays !== undefined || requested.totalRetentionInDays !== undefined;
  if (changesRetention && skuName(context.parent?.properties) === 'Free') {
    // Docs: table-level retention can be set "except for workspaces in the legacy Free Trial pricing tier".
    throw invalidTable('Table-level retention cannot be set on a workspace in the legacy Free pricing tier.');
  }
  checkRetentionValues(requested);
  checkPlan(context, requested);
  if (context.existing === undefined) checkCustomTableSchema(name, requested);

  const plan = planAfter(context);
  const interactive = requested.retentionInDays;
  if (plan !== 'Analytics' && typeof interactive === 'number' && interactive !== -1 && interactive !== NON_ANALYTICS_INTERACTIVE) {
    throw invalidTable(`Tables with the ${plan} plan have a fixed interactive retention of ${NON_ANALYTICS_INTERACTIVE} days.`);
  }
  const view = retentionView(name, plan, choiceAfter(context), context.parent);
  if (view.totalRetentionInDays < view.retentionInDays) {
    throw invalidTable(
      `The total retention (${view.totalRetentionInDays} days) can't be shorter than the interactive retention (${view.retentionInDays} days).`,
    );
  }
}

/** A table as GET shows it, from what the caller chose and the workspace's retention. */
function tableResource(
  resource: Pick<ArmResource, 'id' | 'name'> & Partial<ArmResource>,
  plan: Plan,
  choice: RetentionChoice,
  workspace: ArmResource | undefined,
  schema: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): ArmResource {
  return {
    ...resource,
    id: resource.id,
    name: resource.name,
    type: TABLES,
    properties: {
      ...extra,
      ...retentionView(resource.name, plan, choice, workspace),
      plan,
      schema,
      provisioningState: 'Succeeded',
    },
  };
}

const tables: ResourceTypeDefinition = {
  type: TABLES,
  methods: ['GET', 'PUT', 'PATCH'],
  listable: true,
  hasEtag: false,
  putSemantics: 'replace',
  // Tables.json: 200 with the table, or 202 and an azure-asyncoperation to poll. The sandbox
  // finishes at once and answers 200 with provisioningState Succeeded, which completes the
  // SDK's poller without a poll (core-lro "Body" mode for PUT, status-code mode for PATCH).
  createdStatus: 200,
  serviceOwnedProperties: [
    'archiveRetentionInDays',
    'retentionInDaysAsDefault',
    'totalRetentionInDaysAsDefault',
    'provisioningState',
    'lastPlanModifiedDate',
    'resultStatistics',
  ],
  validateName(name) {
    // Only custom tables can be created; the standard ones exist with the workspace (implicit).
    if (!CUSTOM_TABLE_NAME.test(name)) {
      throw invalidTable(`Table '${name}' does not exist in this workspace; the name of a new custom table must end with '_CL'.`);
    }
  },
  validate: validateTable,
  afterWrite(resource, context) {
    const plan = planAfter(context);
    const previousPlan = planOf(context.existing?.properties);
    const previousModified = context.existing?.properties?.lastPlanModifiedDate;
    const lastPlanModifiedDate = plan === previousPlan && typeof previousModified === 'string' ? previousModified : armTimestamp(context.now);
    const schema = schemaAfter(resource.name, context.existing?.properties?.schema, bodyProperties(context.body).schema);
    // Retention, plan, schema and state are recomputed; whatever else the table holds is kept.
    return tableResource(resource, plan, choiceAfter(context), context.parent, schema, { ...resource.properties, lastPlanModifiedDate });
  },
  implicit: {
    names: Object.keys(STANDARD_TABLES),
    initial: (id, name, workspace) =>
      tableResource({ id, name }, 'Analytics', { interactive: 'default', total: 'default' }, workspace, schemaAfter(name, undefined, undefined)),
  },
};

/** What @azure/arm-operationalinsights 11.0.0 sends (2025-07-01), and the spec version the fixtures come from. */
export const OPERATIONAL_INSIGHTS_API_VERSIONS = ['2025-07-01', '2025-02-01'] as const;

export const operationalInsightsProvider: ResourceProvider = {
  namespace: 'Microsoft.OperationalInsights',
  apiVersions: OPERATIONAL_INSIGHTS_API_VERSIONS,
  resourceTypes: [workspaces, tables],
};
