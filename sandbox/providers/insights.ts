import { z } from 'zod';
import { idKey, scopeOf } from '../armPath.js';
import { ArmError, invalidFilter } from '../errors.js';
import type { ArmResource } from '../state.js';
import type { ResourceProvider, ResourceTypeDefinition, WriteContext } from './types.js';
import { validateBody } from './validation.js';

/**
 * Microsoft.Insights: diagnostic settings only, the extension resource that routes a
 * resource's logs and metrics to a workspace, storage account or event hub, after
 * azure-rest-api-specs `specification/monitor/resource-manager/Microsoft.Insights/preview/
 * 2021-05-01-preview/diagnosticsSettings_API.json` (fixtures: shared/fixtures/arm/insights/).
 * The namespace has many other types (metric alerts, action groups, ...); the sandbox answers
 * those with InvalidResourceType.
 *
 * Known differences from Azure: errors come in ARM's `{"error": {...}}` envelope where the
 * Insights RP answers a bare `{"code", "message"}` (the spec's ErrorResponse; the SDKs read
 * both); deleting a resource deletes its settings with it (the engine cascades), where Azure
 * keeps them and may re-attach them to a re-created resource of the same name; categories and
 * whether a destination exists are not checked. The list operation has no nextLink in the spec
 * (`x-ms-pageable: {nextLinkName: null}`); the engine pages every listing at its page size,
 * which five settings a resource never reach at the default of 100.
 */

const DIAGNOSTIC_SETTINGS = 'Microsoft.Insights/diagnosticSettings';

/** "Each resource can have up to five diagnostic settings" (learn.microsoft.com, azure-monitor/essentials/diagnostic-settings). */
const MAX_SETTINGS_PER_RESOURCE = 5;

// ---- request schema (spec DiagnosticSettings, LogSettings, MetricSettings, RetentionPolicy) ----

// The spec requires both fields whenever a retention policy is given.
const retentionPolicy = z.looseObject({ enabled: z.boolean(), days: z.number().int().min(0) });

// Categories are accepted as any string: the real service checks them against the categories
// of the resource type (diagnosticSettingsCategory), which the sandbox does not model.
const logSettings = z.looseObject({
  category: z.string().nullable().optional(),
  categoryGroup: z.string().nullable().optional(),
  enabled: z.boolean(),
  retentionPolicy: retentionPolicy.nullable().optional(),
});

const metricSettings = z.looseObject({
  category: z.string().nullable().optional(),
  timeGrain: z.string().nullable().optional(),
  enabled: z.boolean(),
  retentionPolicy: retentionPolicy.nullable().optional(),
});

const settingsBody = z.looseObject({
  properties: z
    .looseObject({
      storageAccountId: z.string().nullable().optional(),
      serviceBusRuleId: z.string().nullable().optional(),
      eventHubAuthorizationRuleId: z.string().nullable().optional(),
      eventHubName: z.string().nullable().optional(),
      workspaceId: z.string().nullable().optional(),
      marketplacePartnerId: z.string().nullable().optional(),
      logs: z.array(logSettings).nullable().optional(),
      metrics: z.array(metricSettings).nullable().optional(),
      // The spec: "Possible values are: Dedicated and null (null is default.)".
      logAnalyticsDestinationType: z.enum(['Dedicated', 'AzureDiagnostics']).nullable().optional(),
    })
    .optional(),
});

type SettingsProperties = NonNullable<z.infer<typeof settingsBody>['properties']>;

// ---- rules the service applies beyond the schema ----

const DESTINATIONS = ['workspaceId', 'storageAccountId', 'eventHubAuthorizationRuleId', 'marketplacePartnerId', 'serviceBusRuleId'] as const;

/** Which ARM type each destination id must name (case-insensitive, like every ARM id). */
const DESTINATION_TYPES: Readonly<Record<string, RegExp>> = {
  workspaceId: /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.OperationalInsights\/workspaces\/[^/]+$/i,
  storageAccountId: /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Storage\/storageAccounts\/[^/]+$/i,
  eventHubAuthorizationRuleId:
    /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.EventHub\/namespaces\/[^/]+(\/eventhubs\/[^/]+)?\/authorizationRules\/[^/]+$/i,
};

function badRequest(message: string): ArmError {
  // The Insights RP answers its own validation failures with code BadRequest (recorded answers
  // quoted in public issues, e.g. the retention message below); the messages other than that
  // one are the sandbox's wording.
  return new ArmError(400, 'BadRequest', message);
}

/** A destination counts when it is a non-empty string: the spec example itself sends `"workspaceId": ""`. */
function given(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '';
}

function checkDestinations(properties: SettingsProperties): void {
  const chosen = DESTINATIONS.filter((field) => given(properties[field]));
  if (chosen.length === 0) {
    throw badRequest(
      'A diagnostic setting needs at least one destination: workspaceId, storageAccountId, eventHubAuthorizationRuleId or marketplacePartnerId.',
    );
  }
  for (const field of chosen) {
    const pattern = DESTINATION_TYPES[field];
    const value = String(properties[field]);
    if (pattern !== undefined && !pattern.test(value)) throw badRequest(`The ${field} '${value}' is not a valid resource id for this destination.`);
  }
}

function checkCategories(properties: SettingsProperties): void {
  for (const [index, log] of (properties.logs ?? []).entries()) {
    const named = [given(log.category), given(log.categoryGroup)].filter(Boolean).length;
    if (named !== 1) throw badRequest(`logs[${index}]: exactly one of 'category' and 'categoryGroup' must be set.`);
  }
}

/**
 * Storage retention in diagnostic settings is deprecated: since 2023 a new setting with an
 * enabled retention policy is refused with this message (quoted from recorded answers in
 * e.g. Azure/azure-powershell#23775 and hashicorp/terraform-provider-azurerm#23051).
 */
function checkNoRetentionOnCreate(properties: SettingsProperties): void {
  const entries = [...(properties.logs ?? []), ...(properties.metrics ?? [])];
  if (entries.some((entry) => entry.retentionPolicy?.enabled === true)) {
    throw badRequest('Diagnostic settings does not support retention for new diagnostic settings.');
  }
}

function checkLimit(context: WriteContext): void {
  const scopeKey = idKey(scopeOf(context.resourceId));
  const siblings = context.resourcesOfType(DIAGNOSTIC_SETTINGS).filter((setting) => idKey(scopeOf(setting.id)) === scopeKey);
  if (siblings.length >= MAX_SETTINGS_PER_RESOURCE) {
    throw badRequest(`A resource can have at most ${MAX_SETTINGS_PER_RESOURCE} diagnostic settings; this one already has ${siblings.length}.`);
  }
}

function validateSetting(context: WriteContext): void {
  // Subscription-level (activity log) settings share this path but have another schema; the
  // sandbox serves settings on resources only, so say so instead of storing a look-alike.
  if (context.parent === undefined) {
    throw badRequest('The sandbox serves diagnostic settings on resources only; subscription and resource group scopes are not modelled.');
  }
  validateBody(settingsBody, context.body);
  const properties: SettingsProperties = settingsBody.parse(context.body).properties ?? {};
  checkDestinations(properties);
  checkCategories(properties);
  if (context.existing === undefined) {
    checkNoRetentionOnCreate(properties);
    checkLimit(context);
  }
}

// ---- ids as the service spells them ----

/**
 * The id the service answers with. Azure Monitor lower-cases the keywords, namespaces and type
 * names of the resource a setting is on (`.../resourcegroups/ContosoResourceGroup/providers/
 * microsoft.documentdb/databaseaccounts/...`, and the spec examples' `microsoft.insights`),
 * but keeps the names; clients that compare ids case-sensitively break on this in Azure, so
 * the sandbox does the same.
 */
export function diagnosticSettingId(scope: string, name: string): string {
  // Position after the last `providers` keyword: 1 the namespace, then type, name, type, name ...
  let position = -1;
  const segments = scope.split('/').map((segment, index) => {
    const lower = segment.toLowerCase();
    const keywordSlot = position === -1 ? index >= 3 : position >= 3 && position % 2 === 1;
    if (lower === 'providers' && keywordSlot) {
      position = 0;
      return lower;
    }
    // Before the first provider: lower-case `subscriptions` and `resourceGroups`, keep the ids and names.
    if (position === -1) return index === 1 || index === 3 ? lower : segment;
    position += 1;
    return position > 1 && position % 2 === 1 ? segment : lower;
  });
  return `${segments.join('/')}/providers/microsoft.insights/diagnosticSettings/${name}`;
}

/** Listings return the settings on exactly the scope asked about; no `$filter` is supported. */
function exactScope(filter: string | undefined, scope: string): (resource: ArmResource) => boolean {
  if (filter !== undefined) throw invalidFilter(filter);
  const scopeKey = idKey(scope);
  return (resource) => idKey(scopeOf(resource.id)) === scopeKey;
}

const diagnosticSettings: ResourceTypeDefinition = {
  type: DIAGNOSTIC_SETTINGS,
  methods: ['GET', 'PUT', 'DELETE'],
  listable: true,
  hasEtag: false,
  // A PUT is the whole setting: what it leaves out (a destination, a category) is gone.
  putSemantics: 'replace',
  // The spec's PUT answers 200 only, for a create as for an update.
  createdStatus: 200,
  apiVersions: ['2021-05-01-preview'],
  validate: validateSetting,
  createDefaults(resource, context) {
    return { ...resource, id: diagnosticSettingId(scopeOf(context.resourceId), resource.name) };
  },
  listFilter: exactScope,
};

/** What @azure/arm-monitor 8.0.0 sends for diagnosticSettings (the newest version of that API). */
export const INSIGHTS_API_VERSIONS = ['2021-05-01-preview'] as const;

export const insightsProvider: ResourceProvider = {
  namespace: 'Microsoft.Insights',
  apiVersions: INSIGHTS_API_VERSIONS,
  resourceTypes: [diagnosticSettings],
};
