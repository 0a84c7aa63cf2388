/**
 * What the deployment grants the service and what Event Grid delivers to it, derived from the
 * code: the remediators' `armActions` (REMEDIATORS), the resource types the gateway's families
 * read (SdkArmGateway.canRead over the types of shared/arm/resourceTypes.ts), which sub-resources
 * are judged as their parent (judgedResource) and which events the router hands to a remediator
 * (its resourceTypes and triggers).
 *
 * One implementation for `npm run gen:role` (scripts/gen-role.ts, which writes
 * infra/role-actions.json and infra/event-filters.json) and test/infra/role.test.ts (which fails
 * when those files and the code disagree).
 */
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { SdkArmGateway } from '../shared/arm/gateway.js';
import { parseResourceId } from '../shared/arm/resourceId.js';
import * as resourceTypes from '../shared/arm/resourceTypes.js';
import type { ChangeKind } from '../shared/events.js';
import type { Remediator } from '../shared/remediator.js';

const {
  BLOB_CONTAINER,
  BLOB_SERVICE,
  KEY_VAULT,
  LOG_TABLE,
  LOG_WORKSPACE,
  ROLE_ASSIGNMENT,
  STORAGE_ACCOUNT,
  isDiagnosticsMonitored,
  judgedResource,
} = resourceTypes;

/** What a remediator contributes: the registry's entries (Remediator), as far as the deployment cares. */
export interface RemediatorLike {
  id: Remediator['id'];
  resourceTypes: readonly string[];
  armActions: Remediator['armActions'];
  triggers?: Remediator['triggers'];
}

export interface Permissions {
  /** ARM (management plane) actions. */
  actions: string[];
  /** Data-plane actions (Key Vault keys, blob and table data, Event Grid publishing). */
  dataActions: string[];
}

export interface RoleJson extends Permissions {
  $comment: string;
  notActions: string[];
  notDataActions: string[];
}

export interface EventFiltersJson {
  $comment: string;
  /** The ARM event types of the system topic's event subscription. */
  includedEventTypes: string[];
  /** `data.operationName` StringBeginsWith values: every operation the router hands to a remediator. */
  operationNamePrefixes: string[];
}

interface Reads {
  actions: readonly string[];
  dataActions?: readonly string[];
  /** Which family call needs them: kept next to the action so a reviewer can check it. */
  why: string;
}

/**
 * The reads each readable type needs, from what its family calls (shared/arm/families/*.ts).
 * A type the gateway reads that is missing here makes the derivation throw: a new family must
 * say what it reads before the role can be generated.
 */
export const READS_BY_TYPE: Readonly<Record<string, Reads>> = {
  [STORAGE_ACCOUNT]: {
    actions: ['Microsoft.Storage/storageAccounts/read'],
    why: 'StorageFamily: storageAccounts.getProperties (event) and storageAccounts.list (sweep, subscription scope)',
  },
  [BLOB_SERVICE]: {
    actions: ['Microsoft.Storage/storageAccounts/blobServices/read', 'Microsoft.Storage/storageAccounts/read'],
    why: 'StorageFamily: blobServices.getServiceProperties / blobServices.list, with the owning account (getProperties)',
  },
  [BLOB_CONTAINER]: {
    actions: ['Microsoft.Storage/storageAccounts/blobServices/containers/read'],
    why: 'StorageFamily: blobContainers.get / blobContainers.list (the immutability policy and its etag come with the container)',
  },
  [ROLE_ASSIGNMENT]: {
    actions: ['Microsoft.Authorization/roleAssignments/read', 'Microsoft.Authorization/roleAssignmentScheduleInstances/read'],
    why: 'AuthorizationFamily: roleAssignments.getById / listForSubscription / listForScope (other Owners), PIM roleAssignmentScheduleInstances.listForScope',
  },
  [LOG_WORKSPACE]: {
    actions: ['Microsoft.OperationalInsights/workspaces/read'],
    why: 'LogAnalyticsFamily: workspaces.get / workspaces.list',
  },
  [LOG_TABLE]: {
    actions: ['Microsoft.OperationalInsights/workspaces/tables/read', 'Microsoft.OperationalInsights/locations/operationStatuses/read'],
    why: 'LogAnalyticsFamily: tables.get / tables.listByWorkspace; tables.update is long-running and the SDK polls its Azure-AsyncOperation (.../locations/<l>/operationStatuses/<id>)',
  },
  [KEY_VAULT]: {
    actions: ['Microsoft.KeyVault/vaults/read'],
    dataActions: ['Microsoft.KeyVault/vaults/keys/read', 'Microsoft.KeyVault/vaults/keyrotationpolicies/read'],
    why: 'KeyVaultFamily: vaults.get / vaults.list (ARM); on each vault\'s data plane, listPropertiesOfKeys and getKeyRotationPolicy',
  },
};

/**
 * What the gateway's Azure Resource Graph reader needs besides the reads of the types its queries
 * return (shared/arm/resourceGraph/queries.ts; ARG answers only with rows the caller may read, so
 * READS_BY_TYPE still decides what a sweep sees):
 * - `Microsoft.ResourceGraph/resources/read`: the query itself (POST
 *   /providers/Microsoft.ResourceGraph/resources), "Submits a query on resources within specified
 *   subscriptions, management groups or tenant scope" in Azure's RBAC operations reference
 *   (MicrosoftDocs/azure-docs, articles/role-based-access-control/permissions/management-and-governance.md);
 * - `Microsoft.Resources/subscriptions/read`: the `resourcecontainers` rows of the subscriptions under
 *   HIPAA_REMEDIATOR_MANAGEMENT_GROUPS (SUBSCRIPTIONS_QUERY), "Gets the list of subscriptions" there.
 * Kept here, where gen:role takes every read from, because the reader lives in shared/ code.
 */
export const RESOURCE_GRAPH_READS: Reads = {
  actions: ['Microsoft.ResourceGraph/resources/read', 'Microsoft.Resources/subscriptions/read'],
  why: 'ResourceGraphReader: resources / authorizationresources queries of the sweep (sweepSource resource-graph), resourcecontainers for the subscriptions under management groups',
};

/** What the diagnostics decorator (withDiagnosticSettings) reads for every monitored type a family reads. */
export const DIAGNOSTIC_SETTINGS_READ = 'Microsoft.Insights/diagnosticSettings/read';

/**
 * Data actions among the remediators' `armActions` (the field holds both): Azure RBAC splits
 * them into `dataActions`, and a custom role with a data action under `actions` is refused.
 * Key Vault's data plane (keys, secrets, certificates, rotation policies — but not
 * `vaults/keys/read|write`, which are also ARM actions of the keys API), blob, table, queue and
 * file data, and Event Grid publishing.
 */
const DATA_ACTION_PATTERNS: readonly RegExp[] = [
  /^Microsoft\.KeyVault\/vaults\/keyrotationpolicies\//i,
  /^Microsoft\.KeyVault\/vaults\/(keys|secrets|certificates)\/[^/]+\/action$/i,
  /^Microsoft\.KeyVault\/vaults\/(keys|secrets|certificates)\/delete$/i,
  /^Microsoft\.KeyVault\/vaults\/(deletedkeys|deletedsecrets|deletedcertificates|certificatecas|certificatecontacts)\//i,
  /^Microsoft\.Storage\/storageAccounts\/blobServices\/containers\/blobs\//i,
  /^Microsoft\.Storage\/storageAccounts\/tableServices\/tables\/entities\//i,
  /^Microsoft\.Storage\/storageAccounts\/queueServices\/queues\/messages\//i,
  /^Microsoft\.Storage\/storageAccounts\/fileServices\/fileshares\/files\//i,
  /^Microsoft\.EventGrid\/events\/send\/action$/i,
];

export function isDataAction(action: string): boolean {
  return DATA_ACTION_PATTERNS.some((pattern) => pattern.test(action));
}

/** The ARM event types the system topic delivers (every kind the router knows: write, delete, action). */
export const INCLUDED_EVENT_TYPES = ['Microsoft.Resources.ResourceWriteSuccess', 'Microsoft.Resources.ResourceDeleteSuccess', 'Microsoft.Resources.ResourceActionSuccess'] as const;

/** Event Grid's limit: 25 filter values across all advanced filters of one event subscription. */
export const MAX_ADVANCED_FILTER_VALUES = 25;

const SAMPLE_SUBSCRIPTION = '00000000-0000-0000-0000-000000000000';

/** Every ARM type constant of shared/arm/resourceTypes.ts (string exports naming a `Namespace/type`). */
export function knownResourceTypes(): string[] {
  return Object.values(resourceTypes as Record<string, unknown>).filter((v): v is string => typeof v === 'string' && /^Microsoft\.[A-Za-z]+\/[A-Za-z]/.test(v));
}

/** `<scope>/providers/<Namespace>/<t1>/n1/<t2>/n2...`: a syntactically valid id of the type (names are placeholders). */
function idOfType(type: string, scope = `/subscriptions/${SAMPLE_SUBSCRIPTION}/resourceGroups/rg-sample`): string {
  const [namespace, ...types] = type.split('/');
  return `${scope}/providers/${namespace}/${types.map((t, i) => `${t}/n${i}`).join('/')}`;
}

const noCredential: TokenCredential = { getToken: (): Promise<AccessToken | null> => Promise.resolve(null) };

/** The types the gateway's families read (no network: canRead looks at the type only). */
export function readableTypes(candidates: readonly string[] = knownResourceTypes()): string[] {
  const gateway = new SdkArmGateway({ credential: noCredential });
  return candidates.filter((type) => gateway.canRead(parseResourceId(idOfType(type))));
}

function uniqueSorted(values: Iterable<string>): string[] {
  const byKey = new Map<string, string>();
  for (const value of values) if (!byKey.has(value.toLowerCase())) byKey.set(value.toLowerCase(), value);
  return [...byKey.values()].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()));
}

function readsOf(type: string): Reads {
  const entry = Object.entries(READS_BY_TYPE).find(([t]) => t.toLowerCase() === type.toLowerCase())?.[1];
  if (entry === undefined) throw new Error(`no read actions known for ${type}: add what its family calls to READS_BY_TYPE in scripts/role.ts`);
  return entry;
}

/**
 * The custom role: exactly the union of the remediators' armActions (ARM actions and data
 * actions apart) plus the reads of every type the gateway reads or a remediator judges, the
 * diagnostic-settings read for the monitored ones, and the Resource Graph reads.
 */
export function rolePermissions(remediators: readonly RemediatorLike[], readable: readonly string[] = readableTypes()): Permissions {
  const actions: string[] = [];
  const dataActions: string[] = [];
  for (const remediator of remediators) {
    for (const action of remediator.armActions) (isDataAction(action) ? dataActions : actions).push(action);
  }
  actions.push(...RESOURCE_GRAPH_READS.actions);
  const types = uniqueSorted([...readable, ...remediators.flatMap((r) => r.resourceTypes)]);
  for (const type of types) {
    const reads = readsOf(type);
    actions.push(...reads.actions);
    dataActions.push(...(reads.dataActions ?? []));
    if (isDiagnosticsMonitored(type) && readable.some((t) => t.toLowerCase() === type.toLowerCase())) actions.push(DIAGNOSTIC_SETTINGS_READ);
  }
  return { actions: uniqueSorted(actions), dataActions: uniqueSorted(dataActions) };
}

/**
 * Which operation types are judged as which type: every type judges itself, a sub-resource
 * judged with its parent (immutability policies: the container) and an extension resource on a
 * monitored type (diagnostic settings: the blob service, the vault) judge as that parent —
 * found by asking judgedResource about a sample id of each.
 */
export function operationTypesJudgedAs(candidates: readonly string[] = knownResourceTypes()): Map<string, string[]> {
  const judgedAs = new Map<string, string[]>();
  const add = (judged: string, operationType: string): void => {
    const key = judged.toLowerCase();
    const list = judgedAs.get(key) ?? [];
    if (!list.some((t) => t.toLowerCase() === operationType.toLowerCase())) list.push(operationType);
    judgedAs.set(key, list);
  };
  for (const type of candidates) {
    add(judgedResource(parseResourceId(idOfType(type))).resourceType, type);
    // As an extension resource on each other type (`<resource>/providers/<Namespace>/<type>/<name>`).
    for (const scopeType of candidates) {
      if (scopeType === type) continue;
      const extension = parseResourceId(idOfType(type, idOfType(scopeType)));
      const judged = judgedResource(extension);
      if (judged !== extension) add(judged.resourceType, type);
    }
  }
  return judgedAs;
}

function operationFor(operationType: string, kind: ChangeKind): string {
  switch (kind) {
    case 'write':
      return `${operationType}/write`;
    case 'delete':
      return `${operationType}/delete`;
    case 'action':
      // `<type>/<action name>/action`: the action names are open-ended, so the type's prefix.
      return `${operationType}/`;
  }
}

/**
 * `data.operationName` prefixes (StringBeginsWith, case-insensitive in Event Grid) of every event
 * the router would hand to some remediator: for each remediator, each of its triggers (default
 * write) and each type it judges, the operations on that type and on what is judged as it.
 * Values another value already covers as a prefix are dropped.
 */
export function operationNameFilters(remediators: readonly RemediatorLike[], judgedAs: Map<string, string[]> = operationTypesJudgedAs()): string[] {
  const values: string[] = [];
  for (const remediator of remediators) {
    for (const kind of remediator.triggers ?? ['write']) {
      for (const type of remediator.resourceTypes) {
        for (const operationType of judgedAs.get(type.toLowerCase()) ?? [type]) values.push(operationFor(operationType, kind));
      }
    }
  }
  const unique = uniqueSorted(values);
  const minimal = unique.filter((v) => !unique.some((u) => u !== v && v.toLowerCase().startsWith(u.toLowerCase())));
  if (minimal.length > MAX_ADVANCED_FILTER_VALUES) {
    throw new Error(`${minimal.length} operationName prefixes exceed Event Grid's ${MAX_ADVANCED_FILTER_VALUES} advanced filter values per event subscription`);
  }
  return minimal;
}

/** Does an event with this `data.operationName` pass the filter (StringBeginsWith, case-insensitive)? */
export function passesFilter(operationName: string, prefixes: readonly string[]): boolean {
  return prefixes.some((p) => operationName.toLowerCase().startsWith(p.toLowerCase()));
}

export const GENERATED_COMMENT = 'Generated by `npm run gen:role` (scripts/gen-role.ts) from REMEDIATORS and shared/arm; do not edit. test/infra/role.test.ts fails when the code and this file differ.';

export function roleJson(remediators: readonly RemediatorLike[]): RoleJson {
  const { actions, dataActions } = rolePermissions(remediators);
  return { $comment: GENERATED_COMMENT, actions, notActions: [], dataActions, notDataActions: [] };
}

export function eventFiltersJson(remediators: readonly RemediatorLike[]): EventFiltersJson {
  return { $comment: GENERATED_COMMENT, includedEventTypes: [...INCLUDED_EVENT_TYPES], operationNamePrefixes: operationNameFilters(remediators) };
}

/** Where gen:role writes them, relative to the repository root (Bicep loads them with loadJsonContent). */
export const ROLE_FILE = 'infra/role-actions.json';
export const EVENT_FILTERS_FILE = 'infra/event-filters.json';

/** The files as gen:role writes them (two-space JSON, trailing newline). */
export function serialize(json: unknown): string {
  return `${JSON.stringify(json, null, 2)}\n`;
}

