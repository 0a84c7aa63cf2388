import { z } from 'zod';
import { armTimestamp } from '../armTime.js';
import { ArmError, invalidValues } from '../errors.js';
import { isPlainObject } from '../merge.js';
import type { ArmResource } from '../state.js';
import type { ChildChange, ResourceAction, ResourceTypeDefinition } from './types.js';
import { validateBody } from './validation.js';

/**
 * Microsoft.Storage blob container immutability policies (container-level time-based retention,
 * WORM), after azure-rest-api-specs
 * `specification/storage/resource-manager/Microsoft.Storage/stable/2025-08-01/blob.json`: paths
 * `.../containers/{containerName}/immutabilityPolicies/{immutabilityPolicyName}` (GET, PUT,
 * DELETE), `.../immutabilityPolicies/default/lock` and `.../immutabilityPolicies/default/extend`
 * (POST); definitions ImmutabilityPolicy, ImmutabilityPolicyProperty, ImmutabilityPolicyProperties,
 * UpdateHistoryProperty; examples BlobContainers{Get,Put,Delete,Lock,Extend}ImmutabilityPolicy.json
 * and BlobContainersGet*.json. Limits from azure-docs
 * `articles/storage/blobs/immutable-time-based-retention-policy-overview.md`.
 *
 * Every container has its policy `default`: before anyone sets one, GET answers period 0 and
 * `Unlocked` (the Az.Storage PowerShell functional test ImmutabilityPolicy_SetGetDelete expects
 * exactly that of a new container and after Remove; pulumi-azure-native PR #2154 records the same
 * default from the service's answers; the DELETE example answers period 0), so the type is
 * implicit under the container.
 */

const IMMUTABILITY_POLICIES = 'Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies';

/** "For a container, the maximum number of edits to extend the retention interval for a locked time-based policy is five" (docs). */
export const MAX_LOCKED_POLICY_EXTENSIONS = 5;

// "The minimum retention interval for a time-based retention policy is one day, and the maximum is 146,000 days" (docs).
const period = z.number().int().min(1).max(146_000);

const policyProperties = z.looseObject({
  immutabilityPeriodSinceCreationInDays: period,
  allowProtectedAppendWrites: z.boolean().optional(),
  allowProtectedAppendWritesAll: z.boolean().optional(),
});

// The spec marks `properties` required on ImmutabilityPolicy; the period is required here because
// a policy without one would protect nothing (the spec leaves it optional: an approximation).
const policyBody = z.looseObject({ properties: policyProperties });

type PolicyProperties = z.infer<typeof policyProperties>;

/** The settings of a PUT or extend body; throws the ARM error for a body the service refuses. */
function settingsOf(body: unknown): PolicyProperties {
  validateBody(policyBody, body);
  return policyBody.parse(body).properties;
}

// ---- errors ----

// Verified code and message: a DELETE without the policy's etag answers exactly this
// (pulumi-azure-native PR #2154: Status=412 Code="ContainerImmutabilityPolicyFailure").
// The sandbox gives it for every policy request whose If-Match is missing or stale (for GET,
// PUT, lock and extend an extrapolation from that one recorded answer).
const POLICY_FAILURE = 'ContainerImmutabilityPolicyFailure';

function incorrectEtag(): ArmError {
  return new ArmError(412, POLICY_FAILURE, 'Operation not allowed on immutability policy with incorrect etag.');
}

// Verified message: what SRP answers to a PUT or a DELETE on a locked policy (Az.Storage
// PowerShell functional test ImmutabilityPolicy_LockExtend). Status 409 and the code are
// approximations (same code family as the 412 above); the sandbox also gives it for lock on a
// locked policy and extend on an unlocked one, which the spec forbids without saying how.
function wrongState(): ArmError {
  return new ArmError(409, POLICY_FAILURE, 'Operation not allowed on immutability policy with current state.');
}

// ---- reading a policy ----

function propertiesOf(resource: ArmResource | undefined): Record<string, unknown> {
  return resource?.properties ?? {};
}

function isLocked(resource: ArmResource | undefined): boolean {
  return propertiesOf(resource).state === 'Locked';
}

function periodOf(resource: ArmResource | undefined): number {
  const days = propertiesOf(resource).immutabilityPeriodSinceCreationInDays;
  return typeof days === 'number' ? days : 0;
}

/** The spec: "The 'allowProtectedAppendWrites' and 'allowProtectedAppendWritesAll' properties are mutually exclusive." */
function rejectBothAppendModes(properties: PolicyProperties): void {
  if (properties.allowProtectedAppendWrites === true && properties.allowProtectedAppendWritesAll === true) {
    // Status and code approximated: the spec states the rule, not the answer.
    throw invalidValues('properties.allowProtectedAppendWrites and properties.allowProtectedAppendWritesAll are mutually exclusive');
  }
}

// ---- actions ----

/** "Sets the ImmutabilityPolicy to Locked state" (spec, BlobContainers_LockImmutabilityPolicy). */
const lock: ResourceAction = {
  name: 'lock',
  requiresIfMatch: true,
  run({ resource }) {
    // A policy nobody set (period 0) has nothing to lock: refused like a locked one (approximation).
    if (isLocked(resource) || periodOf(resource) === 0) throw wrongState();
    return { ...resource, properties: { ...resource.properties, state: 'Locked' } };
  },
};

function extensionsSoFar(container: ArmResource | undefined): number {
  const shown = propertiesOf(container).immutabilityPolicy;
  const history = isPlainObject(shown) && Array.isArray(shown.updateHistory) ? shown.updateHistory : [];
  return history.filter((entry: unknown) => isPlainObject(entry) && entry.update === 'extend').length;
}

/**
 * "Extends the immutabilityPeriodSinceCreationInDays of a locked immutabilityPolicy. The only
 * action allowed on a Locked policy will be this action" (spec). A locked policy "can extend the
 * retention period, but you cannot decrease it", at most five times (docs; counted from the
 * container's update history, so every accepted extend counts, one to the same period included).
 * Append-write settings "cannot be changed with ExtendImmutabilityPolicy API" (spec).
 */
const extend: ResourceAction = {
  name: 'extend',
  requiresIfMatch: true,
  run({ resource, body, parent }) {
    if (!isLocked(resource)) throw wrongState();
    const requested = settingsOf(body);
    const current = periodOf(resource);
    // Codes and messages of these three refusals are approximations (no recorded answer found).
    if (extensionsSoFar(parent) >= MAX_LOCKED_POLICY_EXTENSIONS) {
      throw new ArmError(409, POLICY_FAILURE, `Operation not allowed on immutability policy: a locked policy can be extended at most ${MAX_LOCKED_POLICY_EXTENSIONS} times.`);
    }
    if (requested.immutabilityPeriodSinceCreationInDays < current) {
      throw new ArmError(
        409,
        POLICY_FAILURE,
        `Operation not allowed on immutability policy: the immutability period of a locked policy can only be extended (${requested.immutabilityPeriodSinceCreationInDays} days is less than the current ${current} days).`,
      );
    }
    for (const setting of ['allowProtectedAppendWrites', 'allowProtectedAppendWritesAll'] as const) {
      const given = requested[setting];
      if (given !== undefined && given !== (propertiesOf(resource)[setting] === true)) throw wrongState();
    }
    return { ...resource, properties: { ...resource.properties, immutabilityPeriodSinceCreationInDays: requested.immutabilityPeriodSinceCreationInDays } };
  },
};

// ---- the container shows its policy ----

const SHOWN_SETTINGS = ['immutabilityPeriodSinceCreationInDays', 'state', 'allowProtectedAppendWrites', 'allowProtectedAppendWritesAll'] as const;

function shownProperties(policy: ArmResource): Record<string, unknown> {
  const shown: Record<string, unknown> = {};
  for (const key of SHOWN_SETTINGS) if (policy.properties?.[key] !== undefined) shown[key] = policy.properties[key];
  return shown;
}

/** One UpdateHistoryProperty entry: `update` is put, lock or extend (spec enum ImmutabilityPolicyUpdateType). */
function historyEntry(policy: ArmResource, change: ChildChange): Record<string, unknown> {
  const settings = shownProperties(policy);
  return {
    update: change.cause.toLowerCase(),
    immutabilityPeriodSinceCreationInDays: settings.immutabilityPeriodSinceCreationInDays,
    ...(settings.allowProtectedAppendWrites !== undefined ? { allowProtectedAppendWrites: settings.allowProtectedAppendWrites } : {}),
    ...(settings.allowProtectedAppendWritesAll !== undefined ? { allowProtectedAppendWritesAll: settings.allowProtectedAppendWritesAll } : {}),
    timestamp: armTimestamp(change.now),
    ...(change.callerObjectId !== undefined ? { objectIdentifier: change.callerObjectId } : {}),
    ...(change.callerTenantId !== undefined ? { tenantId: change.callerTenantId } : {}),
  };
}

/**
 * The container after its policy changed: `hasImmutabilityPolicy` ("set to true by SRP if
 * ImmutabilityPolicy has been created for this container", spec) and `immutabilityPolicy` with
 * the policy's etag, settings and update history (example BlobContainersGet.json). The
 * container is modified too: in that example its lastModifiedTime is the last extend's second
 * and its etag was issued just after the policy's. After a delete the container shows no policy
 * (what it shows then is not documented: an approximation).
 */
function showOnContainer(container: ArmResource, change: ChildChange): ArmResource {
  const properties: Record<string, unknown> = { ...container.properties, lastModifiedTime: armTimestamp(change.now) };
  const policy = change.child;
  if (policy === undefined) {
    delete properties.immutabilityPolicy;
    return { ...container, properties: { ...properties, hasImmutabilityPolicy: false } };
  }
  const shown = isPlainObject(properties.immutabilityPolicy) ? properties.immutabilityPolicy : {};
  const history: unknown[] = Array.isArray(shown.updateHistory) ? shown.updateHistory : [];
  properties.hasImmutabilityPolicy = true;
  properties.immutabilityPolicy = { etag: policy.etag, properties: shownProperties(policy), updateHistory: [...history, historyEntry(policy, change)] };
  return { ...container, properties };
}

/**
 * The policy as GET shows it before anyone wrote it: what its container shows (a state file may
 * list only the container), else the empty default.
 */
function initialPolicy(id: string, name: string, container: ArmResource): ArmResource {
  const shown = propertiesOf(container).immutabilityPolicy;
  if (propertiesOf(container).hasImmutabilityPolicy === true && isPlainObject(shown) && isPlainObject(shown.properties)) {
    return {
      id,
      name,
      type: IMMUTABILITY_POLICIES,
      ...(typeof shown.etag === 'string' ? { etag: shown.etag } : {}),
      properties: structuredClone(shown.properties),
    };
  }
  return { id, name, type: IMMUTABILITY_POLICIES, properties: { immutabilityPeriodSinceCreationInDays: 0, state: 'Unlocked' } };
}

export const immutabilityPolicies: ResourceTypeDefinition = {
  type: IMMUTABILITY_POLICIES,
  // No listing in the spec; updates are PUT (no PATCH).
  methods: ['GET', 'PUT', 'DELETE'],
  listable: false,
  hasEtag: true,
  etagStyle: 'lowercase',
  preconditionFailed: incorrectEtag,
  // Spec: If-Match is optional on PUT ("honored if given") and GET, required on DELETE, lock and extend.
  requiresIfMatch: ['DELETE'],
  putSemantics: 'replace',
  createdStatus: 200,
  serviceOwnedProperties: ['state'],
  validateName(name) {
    // The spec allows only 'default'; the service's answer to another name is not recorded (approximation).
    if (name !== 'default') throw new ArmError(400, 'InvalidResourceName', `The immutability policy name must be 'default', not '${name}'.`);
  },
  validate(context) {
    // "Creates or updates an unlocked immutability policy" (spec): a locked one only extends.
    if (isLocked(context.existing)) throw wrongState();
    rejectBothAppendModes(settingsOf(context.body));
  },
  implicit: { names: ['default'], initial: initialPolicy },
  // "Aborts an unlocked immutability policy. The response of delete has
  // immutabilityPeriodSinceCreationInDays set to 0 ... Deleting a locked immutability policy is not allowed" (spec).
  deleteReturnsResource: true,
  validateDelete(existing) {
    if (isLocked(existing)) throw wrongState();
  },
  actions: [lock, extend],
  updateParent: showOnContainer,
  showOnLoadedParent(container, policy) {
    if (propertiesOf(container).hasImmutabilityPolicy === true) return undefined;
    return { ...container, properties: { ...container.properties, hasImmutabilityPolicy: true, immutabilityPolicy: { etag: policy.etag, properties: shownProperties(policy), updateHistory: [] } } };
  },
};
