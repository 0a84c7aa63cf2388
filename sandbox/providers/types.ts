import type { ArmResource } from '../state.js';

/** Methods a resource type can serve (collections are listed with GET when `listable`). */
export type ArmMethod = 'GET' | 'PUT' | 'PATCH' | 'DELETE';

/** What a provider hook may look at while a write is served. */
export interface WriteContext {
  readonly method: 'PUT' | 'PATCH';
  /** The id the write lands on (stored casing for existing resources). */
  readonly resourceId: string;
  /** The request body, already known to be a JSON object. */
  readonly body: Readonly<Record<string, unknown>>;
  /** The resource before the write; undefined on create. */
  readonly existing: ArmResource | undefined;
  /** The parent resource of a nested or extension type; undefined for top-level types. */
  readonly parent: ArmResource | undefined;
  readonly apiVersion: string;
  readonly now: Date;
  /** Reads any resource in the sandbox, for rules that span resources. */
  lookup(id: string): ArmResource | undefined;
  /** Every stored resource of a type, for uniqueness rules across scopes (role assignments). */
  resourcesOfType(type: string): ArmResource[];
  /** Object id of the authenticated caller, for services that record who wrote (`createdBy`). */
  readonly callerObjectId: string | undefined;
}

/**
 * How one ARM resource type behaves. The engine does what ARM does for every type
 * (routing, api-version, parent checks, ETags, PATCH merge, paging, events); a definition
 * only says what differs. Hooks reject a request by throwing an `ArmError`.
 */
export interface ResourceTypeDefinition {
  /** Full type, e.g. `Microsoft.Storage/storageAccounts/blobServices/containers`. */
  readonly type: string;
  readonly methods: readonly ArmMethod[];
  /** Collection GET: by parent for nested types; by subscription and resource group for top-level ones. */
  readonly listable: boolean;
  /** Whether the service issues an etag that changes on every write. */
  readonly hasEtag: boolean;
  /** PUT on an existing resource: deep-merge into it (like PATCH) or replace its writable parts. */
  readonly putSemantics: 'merge' | 'replace';
  /** Status of a PUT that creates (an update is always 200). */
  readonly createdStatus: 200 | 201;
  /** When set, only these api-versions (instead of the provider's). */
  readonly apiVersions?: readonly string[];
  /** Read-only properties the service owns: ignored in request bodies and kept across a replacing PUT. */
  readonly serviceOwnedProperties?: readonly string[];
  /** Throws for a name the service refuses on create. */
  readonly validateName?: (name: string) => void;
  /** Throws for a body the service refuses. */
  readonly validate?: (context: WriteContext) => void;
  /** Fills in what the service sets when the resource is created. */
  readonly createDefaults?: (resource: ArmResource, context: WriteContext) => ArmResource;
  /** Adjusts the resource after every successful write (e.g. `lastModifiedTime`). */
  readonly afterWrite?: (resource: ArmResource, context: WriteContext) => ArmResource;
  /**
   * For types that exist as soon as their parent does (`blobServices/default`): the names
   * that always exist and the resource as GET shows it before anyone wrote it.
   */
  readonly implicit?: {
    readonly names: readonly string[];
    readonly initial: (id: string, name: string, parent: ArmResource) => ArmResource;
  };
  /**
   * For read-only types the service defines itself at every scope (built-in role definitions):
   * the resource for a name, or undefined when there is none. `id` is the requested id in ARM's casing.
   */
  readonly builtIn?: (id: string, name: string) => ArmResource | undefined;
  /** DELETE answers 200 with the deleted resource as body (role assignments) instead of an empty 200. */
  readonly deleteReturnsResource?: boolean;
  /**
   * Extension types listed at a scope (role assignments): which stored resources a listing at
   * `scope` returns for its `$filter` (undefined: none given). Throws an `ArmError` for a filter
   * the service refuses. Without it a listing returns what sits at or below the scope, and a
   * `$filter` is refused.
   */
  readonly listFilter?: (filter: string | undefined, scope: string) => (resource: ArmResource) => boolean;
}

/** One resource provider namespace (one module under `sandbox/providers/`). */
export interface ResourceProvider {
  /** e.g. `Microsoft.Storage`. */
  readonly namespace: string;
  /** api-versions the provider accepts; requests with any other get 400 `InvalidApiVersionParameter`. */
  readonly apiVersions: readonly string[];
  readonly resourceTypes: readonly ResourceTypeDefinition[];
}
