import { z } from 'zod';
import { atOrAbove, atOrBelow, idKey, scopeOf } from '../armPath.js';
import { armTimestamp } from '../armTime.js';
import { ArmError, invalidApiVersion, invalidFilter, methodNotAllowed } from '../errors.js';
import type { ArmResource } from '../state.js';
import type { ResourceProvider, ResourceTypeDefinition, WriteContext } from './types.js';
import { validateBody } from './validation.js';

/**
 * Microsoft.Authorization: role assignments (extension resources at any scope), the
 * built-in role definitions, and PIM's role assignment schedule instances (read-only), after
 * azure-rest-api-specs `Microsoft.Authorization/stable/2022-04-01/RoleAssignmentsCalls.json`,
 * `RoleDefinitionsCalls.json` and `stable/2020-10-01/RoleAssignmentScheduleInstance.json`.
 */

const ROLE_ASSIGNMENTS = 'Microsoft.Authorization/roleAssignments';
const ROLE_DEFINITIONS = 'Microsoft.Authorization/roleDefinitions';
const SCHEDULE_INSTANCES = 'Microsoft.Authorization/roleAssignmentScheduleInstances';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// ARM accepts the tenant-level and the subscription-level spelling of a role definition id.
const ROLE_DEFINITION_ID =
  /^(\/subscriptions\/[0-9a-f-]{36})?\/providers\/Microsoft\.Authorization\/roleDefinitions\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

// ---- built-in role definitions (FACTS.md §G; permissions from the current built-in roles docs) ----

interface BuiltInRole {
  readonly roleName: string;
  readonly description: string;
  readonly actions: readonly string[];
  readonly notActions: readonly string[];
  /** Recorded live values where we have them; other roles leave the timestamps out rather than invent them. */
  readonly createdOn?: string;
  readonly updatedOn?: string;
}

export const BUILT_IN_ROLE_IDS = {
  owner: '8e3af657-a8ff-443c-a75c-2fe8c4bcb635',
  contributor: 'b24988ac-6180-42a0-ab88-20f7382dd24c',
  reader: 'acdd72a7-3385-48ef-bd42-f606fba81ae7',
  userAccessAdministrator: '18d7d88d-d35e-4fb5-a5c3-7773c20a72d9',
  roleBasedAccessControlAdministrator: 'f58310d9-a9f6-439a-9e8d-f62e7b41a168',
} as const;

const BUILT_IN_ROLES: Readonly<Record<string, BuiltInRole>> = {
  [BUILT_IN_ROLE_IDS.owner]: {
    roleName: 'Owner',
    description: 'Grants full access to manage all resources, including the ability to assign roles in Azure RBAC.',
    actions: ['*'],
    notActions: [],
    createdOn: '2015-02-02T21:55:09.8806423Z',
    updatedOn: '2019-02-05T21:24:32.2101122Z',
  },
  [BUILT_IN_ROLE_IDS.contributor]: {
    roleName: 'Contributor',
    description:
      'Grants full access to manage all resources, but does not allow you to assign roles in Azure RBAC, manage assignments in Azure Blueprints, or share image galleries.',
    actions: ['*'],
    notActions: [
      'Microsoft.Authorization/*/Delete',
      'Microsoft.Authorization/*/Write',
      'Microsoft.Authorization/elevateAccess/Action',
      'Microsoft.Blueprint/blueprintAssignments/write',
      'Microsoft.Blueprint/blueprintAssignments/delete',
      'Microsoft.Compute/galleries/share/action',
      'Microsoft.Purview/consents/write',
      'Microsoft.Purview/consents/delete',
      'Microsoft.Resources/deploymentStacks/manageDenySetting/action',
      'Microsoft.Subscription/cancel/action',
      'Microsoft.Subscription/enable/action',
    ],
    createdOn: '2015-02-02T21:55:09.8806423Z',
    updatedOn: '2019-02-05T21:24:38.4580610Z',
  },
  [BUILT_IN_ROLE_IDS.reader]: {
    roleName: 'Reader',
    description: 'View all resources, but does not allow you to make any changes.',
    actions: ['*/read'],
    notActions: [],
  },
  [BUILT_IN_ROLE_IDS.userAccessAdministrator]: {
    roleName: 'User Access Administrator',
    description: 'Lets you manage user access to Azure resources.',
    actions: ['*/read', 'Microsoft.Authorization/*', 'Microsoft.Support/*'],
    notActions: [],
    createdOn: '2015-02-02T21:55:09.8806423Z',
    updatedOn: '2019-02-05T21:24:12.6807454Z',
  },
  [BUILT_IN_ROLE_IDS.roleBasedAccessControlAdministrator]: {
    roleName: 'Role Based Access Control Administrator',
    description:
      'Manage access to Azure resources by assigning roles using Azure RBAC. This role does not allow you to manage access using other ways, such as Azure Policy.',
    actions: ['Microsoft.Authorization/roleAssignments/write', 'Microsoft.Authorization/roleAssignments/delete', '*/read', 'Microsoft.Support/*'],
    notActions: [],
  },
};

/** A built-in role definition as ARM's GET returns it, or undefined for an unknown GUID. */
export function builtInRoleDefinition(id: string, name: string): ArmResource | undefined {
  const role = BUILT_IN_ROLES[name.toLowerCase()];
  if (role === undefined) return undefined;
  return {
    properties: {
      roleName: role.roleName,
      type: 'BuiltInRole',
      description: role.description,
      assignableScopes: ['/'],
      permissions: [{ actions: [...role.actions], notActions: [...role.notActions], dataActions: [], notDataActions: [] }],
      ...(role.createdOn !== undefined ? { createdOn: role.createdOn } : {}),
      ...(role.updatedOn !== undefined ? { updatedOn: role.updatedOn } : {}),
      createdBy: null,
      updatedBy: null,
    },
    id,
    type: ROLE_DEFINITIONS,
    name: name.toLowerCase(),
  };
}

const roleDefinitions: ResourceTypeDefinition = {
  type: ROLE_DEFINITIONS,
  // Only built-in roles: custom role definitions are out of the sandbox's scope, so writes get 405.
  methods: ['GET'],
  listable: false,
  hasEtag: false,
  putSemantics: 'replace',
  createdStatus: 201,
  builtIn: builtInRoleDefinition,
};

// ---- role assignments ----

const roleAssignmentBody = z.looseObject({
  properties: z.looseObject({
    roleDefinitionId: z.string().min(1),
    principalId: z.string().min(1),
    principalType: z.enum(['User', 'Group', 'ServicePrincipal', 'ForeignGroup', 'Device']).optional(),
    description: z.string().nullable().optional(),
    condition: z.string().nullable().optional(),
    conditionVersion: z.string().nullable().optional(),
    delegatedManagedIdentityResourceId: z.string().nullable().optional(),
  }),
});

interface AssignmentKey {
  readonly roleGuid: string;
  readonly principalId: string;
}

/** The trailing GUID of a role definition id: ARM compares role definitions on it (FACTS.md §G). */
function roleGuidOf(roleDefinitionId: unknown): string {
  return typeof roleDefinitionId === 'string' ? idKey(roleDefinitionId.split('/').at(-1) ?? '') : '';
}

function keyOf(properties: Record<string, unknown> | undefined): AssignmentKey {
  return {
    roleGuid: roleGuidOf(properties?.roleDefinitionId),
    principalId: typeof properties?.principalId === 'string' ? idKey(properties.principalId) : '',
  };
}

function validateAssignment(context: WriteContext): void {
  validateBody(roleAssignmentBody, context.body);
  const properties = context.body.properties as Record<string, unknown>;
  const roleDefinitionId = String(properties.roleDefinitionId);
  if (!ROLE_DEFINITION_ID.test(roleDefinitionId)) {
    throw new ArmError(400, 'InvalidRoleDefinitionId', `The role definition ID '${roleDefinitionId}' is not valid.`);
  }
  if (!GUID.test(String(properties.principalId))) {
    throw new ArmError(400, 'InvalidPrincipalId', 'A valid principal ID must be provided for role assignment.');
  }
  const requested = keyOf(properties);
  if (context.existing !== undefined) {
    const current = keyOf(context.existing.properties);
    if (current.roleGuid !== requested.roleGuid || current.principalId !== requested.principalId) {
      throw new ArmError(
        409,
        'RoleAssignmentUpdateNotPermitted',
        'Tenant ID, application ID, principal ID, and scope are not allowed to be updated.',
      );
    }
    return;
  }
  const scopeKey = idKey(scopeOf(context.resourceId));
  const duplicate = context
    .resourcesOfType(ROLE_ASSIGNMENTS)
    .some((other) => {
      const key = keyOf(other.properties);
      return idKey(scopeOf(other.id)) === scopeKey && key.roleGuid === requested.roleGuid && key.principalId === requested.principalId;
    });
  if (duplicate) throw new ArmError(409, 'RoleAssignmentExists', 'The role assignment already exists.');
}

const PRINCIPAL_FILTER = /^principalId\s+eq\s+'?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})'?$/i;
const SUPPORTED_FILTERS = ['atScope()', "principalId eq '{id}'"] as const;

/**
 * The `$filter`s both listings share (the specs' parameter descriptions): none — at or below
 * the scope; `atScope()` — at or above it; `principalId eq {id}` — at, above or below it, for one
 * principal. Anything else is refused the way ARM refuses it, never silently ignored.
 */
function scopedListing(filter: string | undefined, scope: string): (resource: ArmResource) => boolean {
  const below = atOrBelow(scope);
  // The sandbox knows no management-group hierarchy: every management group (and the root) in
  // the state counts as an ancestor of every subscription, so inherited grants show up in listings.
  const above = (resource: ArmResource): boolean => atOrAbove(scope)(resource) || inheritedFromTenant(resource);
  if (filter === undefined) return below;
  const text = filter.trim();
  if (/^atScope\(\)$/i.test(text)) return above;
  const principal = PRINCIPAL_FILTER.exec(text)?.[1];
  if (principal === undefined) throw invalidFilter(filter, SUPPORTED_FILTERS);
  return (resource) => keyOf(resource.properties).principalId === idKey(principal) && (below(resource) || above(resource));
}

function inheritedFromTenant(resource: ArmResource): boolean {
  const scope = resource.properties?.['scope'];
  return typeof scope === 'string' && (scope === '/' || /^\/providers\/Microsoft\.Management\/managementGroups\/[^/]+$/i.test(scope));
}

/** Role assignments "that apply to" a scope (listForSubscription's wording): inherited ones from above too. */
function assignmentsListing(filter: string | undefined, scope: string): (resource: ArmResource) => boolean {
  if (filter !== undefined) return scopedListing(filter, scope);
  const below = atOrBelow(scope);
  const above = scopedListing('atScope()', scope);
  return (resource) => below(resource) || above(resource);
}

const roleAssignments: ResourceTypeDefinition = {
  listFilter: assignmentsListing,
  type: ROLE_ASSIGNMENTS,
  methods: ['GET', 'PUT', 'DELETE'],
  listable: true,
  hasEtag: false,
  putSemantics: 'replace',
  createdStatus: 201,
  deleteReturnsResource: true,
  serviceOwnedProperties: ['scope', 'createdOn', 'updatedOn', 'createdBy', 'updatedBy'],
  validateName(name) {
    if (!GUID.test(name)) {
      throw new ArmError(
        400,
        'InvalidRoleAssignmentId',
        `The role assignment ID '${name}' is not valid. The role assignment ID must be a GUID.`,
      );
    }
  },
  validate: validateAssignment,
  createDefaults(resource, context) {
    const now = armTimestamp(context.now);
    return {
      ...resource,
      properties: {
        ...resource.properties,
        scope: scopeOf(resource.id),
        createdOn: now,
        createdBy: context.callerObjectId ?? null,
      },
    };
  },
  afterWrite(resource, context) {
    return {
      ...resource,
      properties: {
        ...resource.properties,
        // The spec's default; real ARM resolves it from the directory, which the engine cannot see.
        principalType: resource.properties?.principalType ?? context.existing?.properties?.principalType ?? 'User',
        updatedOn: armTimestamp(context.now), updatedBy: context.callerObjectId ?? null,
      },
    };
  },
};

/**
 * PIM's view of role assignments: an instance per active assignment PIM made (activated from an
 * eligibility, or assigned for a time window), `originRoleAssignmentId` naming the role assignment
 * and `endDateTime` when PIM will remove it. PIM writes these itself, so the sandbox serves them
 * read-only from the state (no clock removes assignments at their end: a state describes a moment).
 */
const roleAssignmentScheduleInstances: ResourceTypeDefinition = {
  type: SCHEDULE_INSTANCES,
  methods: ['GET'],
  listable: true,
  listFilter: scopedListing,
  hasEtag: false,
  putSemantics: 'replace',
  createdStatus: 201,
  // What @azure/arm-authorization 9.0.0 sends for the PIM operations (the only stable version).
  apiVersions: ['2020-10-01'],
};

/** What @azure/arm-authorization 9.0.0 sends for role assignments and role definitions. */
export const AUTHORIZATION_API_VERSIONS = ['2022-04-01'] as const;

export const authorizationProvider: ResourceProvider = {
  namespace: 'Microsoft.Authorization',
  apiVersions: AUTHORIZATION_API_VERSIONS,
  resourceTypes: [roleAssignments, roleDefinitions, roleAssignmentScheduleInstances],
};

const TENANT_ROLE_DEFINITION = /^\/providers\/Microsoft\.Authorization\/roleDefinitions\/([^/]+)\/?$/i;

/**
 * Built-in role definitions at tenant scope (`/providers/Microsoft.Authorization/roleDefinitions/{guid}`),
 * the id form role assignments usually carry. ARM paths without a subscription never reach the
 * engine, so the server asks this first. Undefined when the path is not such a request.
 */
export function serveTenantRoleDefinition(method: string, pathname: string, apiVersion: string): { status: number; body: ArmResource } | undefined {
  const name = TENANT_ROLE_DEFINITION.exec(pathname)?.[1];
  if (name === undefined) return undefined;
  if (!(AUTHORIZATION_API_VERSIONS as readonly string[]).includes(apiVersion)) throw invalidApiVersion(apiVersion, AUTHORIZATION_API_VERSIONS);
  if (method !== 'GET') throw methodNotAllowed(method);
  const definition = builtInRoleDefinition(`/providers/${ROLE_DEFINITIONS}/${name.toLowerCase()}`, name);
  if (definition === undefined) throw new ArmError(404, 'RoleDefinitionDoesNotExist', `The specified role definition with ID '${name}' does not exist.`);
  return { status: 200, body: definition };
}
