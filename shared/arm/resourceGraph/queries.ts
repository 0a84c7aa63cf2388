/**
 * The only queries the service sends to Azure Resource Graph: one per resource family, each
 * ordered by id so `$skipToken` paging is stable (ARG requires `id` in the rows to page). The
 * sandbox parses exactly these shapes and refuses anything else.
 */

export type GraphTable = 'resources' | 'authorizationresources' | 'resourcecontainers';

/** Columns of a tracked resource: the ARM GET body's fields, under ARG's names. */
const RESOURCE_COLUMNS = 'id, name, type, location, resourceGroup, subscriptionId, kind, sku, identity, tags, properties';

/** Role assignments carry no location, sku or tags. */
const ROLE_ASSIGNMENT_COLUMNS = 'id, name, type, properties';

export interface GraphQuery {
  table: GraphTable;
  /** ARG's lower-case type name. */
  type: string;
  text: string;
}

export function resourcesOfType(type: string): GraphQuery {
  const lower = type.toLowerCase();
  if (!/^[a-z0-9.]+\/[a-z0-9]+$/.test(lower)) throw new Error(`not a top-level resource type: ${type}`);
  return { table: 'resources', type: lower, text: `resources | where type =~ '${lower}' | project ${RESOURCE_COLUMNS} | order by id asc` };
}

export const ROLE_ASSIGNMENTS_QUERY: GraphQuery = {
  table: 'authorizationresources',
  type: 'microsoft.authorization/roleassignments',
  text: `authorizationresources | where type =~ 'microsoft.authorization/roleassignments' | project ${ROLE_ASSIGNMENT_COLUMNS} | order by id asc`,
};

/** The subscriptions under management groups (sent with `managementGroups`). */
export const SUBSCRIPTIONS_QUERY: GraphQuery = {
  table: 'resourcecontainers',
  type: 'microsoft.resources/subscriptions',
  text: "resourcecontainers | where type =~ 'microsoft.resources/subscriptions' | project id, subscriptionId, name | order by id asc",
};
