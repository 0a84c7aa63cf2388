import type { ArmError } from '../errors.js';
import type { EtagStyle } from '../etag.js';
import type { ArmResource } from '../state.js';

/** Methods a resource type can serve (collections are listed with GET when `listable`; actions are POSTs, see `actions`). */
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
  /** Tenant of the caller's token, for services that record it with the object id. */
  readonly callerTenantId: string | undefined;
}

/** What an action handler may look at. */
export interface ActionContext {
  /** The id of the resource the action is on (stored casing). */
  readonly resourceId: string;
  /** The resource as a GET shows it now (stored, or an implicit instance); a copy the handler may change. */
  readonly resource: ArmResource;
  /** The request body, a JSON object (`{}` when none was sent). */
  readonly body: Readonly<Record<string, unknown>>;
  /** The parent resource of a nested or extension type; undefined for top-level types. */
  readonly parent: ArmResource | undefined;
  readonly apiVersion: string;
  readonly now: Date;
  lookup(id: string): ArmResource | undefined;
  readonly callerObjectId: string | undefined;
  readonly callerTenantId: string | undefined;
}

/**
 * A POST action on one resource, `POST {resource id}/{name}`: ARM's operation
 * `{type}/{name}/action`. The engine finds the resource (404 when there is none), applies the
 * conditional headers, stores what `run` returns with a new etag, updates the parent like any
 * write (`updateParent`) and publishes `ResourceActionSuccess`. Only actions that change the
 * resource are modelled; read-only ones (`listKeys`) would need a flag.
 */
export interface ResourceAction {
  /** The last path segment, e.g. `lock`. */
  readonly name: string;
  /** Refuse the request without `If-Match` (with the type's `preconditionFailed` error). */
  readonly requiresIfMatch: boolean;
  /** The resource after the action (id, name and type are kept); throws an `ArmError` to refuse it. */
  readonly run: (context: ActionContext) => ArmResource;
}

/** A change to a child resource, for a parent that shows its child (`updateParent`). */
export interface ChildChange {
  /** What changed it: `PUT`, `PATCH`, `DELETE`, or an action's name (`lock`). */
  readonly cause: string;
  /** The child as stored after the change (new etag included); undefined once deleted. */
  readonly child: ArmResource | undefined;
  readonly now: Date;
  readonly callerObjectId: string | undefined;
  readonly callerTenantId: string | undefined;
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
  /** How its etags are spelled (default: storage's `"0x8D..."`). */
  readonly etagStyle?: EtagStyle;
  /** The error for a failed `If-Match` / `If-None-Match` (default: ARM's 412 `PreconditionFailed`). */
  readonly preconditionFailed?: () => ArmError;
  /** Methods refused without `If-Match` (with `preconditionFailed`). */
  readonly requiresIfMatch?: readonly ArmMethod[];
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
  /**
   * DELETE answers 200 with a body instead of an empty 200: the deleted resource (role
   * assignments), or for an implicit type the instance that remains (an immutability policy
   * reverts to its empty default).
   */
  readonly deleteReturnsResource?: boolean;
  /** Throws when the service refuses to delete the resource as it stands (a locked policy). */
  readonly validateDelete?: (existing: ArmResource) => void;
  /** POST actions on one resource of this type (`.../immutabilityPolicies/default/lock`). */
  readonly actions?: readonly ResourceAction[];
  /**
   * For a type its parent shows (a container shows its immutability policy): the parent as the
   * service leaves it after a write, action or delete of this type. The engine stores it (with a
   * new etag when the parent's type has one) and reports it as a change after the request's own;
   * no event is published for it.
   */
  readonly updateParent?: (parent: ArmResource, change: ChildChange) => ArmResource;
  /**
   * For a type its parent shows (`updateParent`): the parent as a loaded state should show a
   * stored child it does not show yet (a state file may list a policy only as its own entry).
   */
  readonly showOnLoadedParent?: (parent: ArmResource, child: ArmResource) => ArmResource | undefined;
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
