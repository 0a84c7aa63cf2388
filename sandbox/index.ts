/**
 * The sandbox: a local Azure for the service, its tests and the live demo. ARM REST over
 * HTTPS (the real `@azure/arm-*` clients run against it unchanged), Event Grid
 * delivering ARM events to webhooks, one Key Vault's keys data plane and one custom Event
 * Grid topic (the publish endpoint), each on its own port. Resource types live in
 * `providers/`, one module each.
 */
export { startSandbox } from './server.js';
export type { ArmRequestRecord, Sandbox, SandboxChange, SandboxOptions } from './server.js';
export { loadSandboxState, parseSandboxState, saveSandboxState } from './state.js';
export type { ArmResource, DirectoryObject, ManagementGroup, SandboxState } from './state.js';
export { SANDBOX_TENANT_ID, sandboxCredential } from './credential.js';
export type { SandboxCaller, SandboxIdentity } from './credential.js';
export type { FaultHandle, FaultInjector, FaultSpec } from './faults.js';
export { toCloudEvent } from './eventgrid.js';
export type {
  CloudEvent,
  DeadLetteredEvent,
  DeliveryRecord,
  EventGridEmulator,
  EventSubscriptionOptions,
} from './eventgrid.js';
export type { ArmEvent, ArmEventData, EventGridEvent } from './armEvents.js';
export { ARM_THROTTLE_LIMITS } from './throttle.js';
export type { BucketLimit, ThrottleLimits } from './throttle.js';
export { HEALTHCARE_AUDIT_WORKSPACE_ID, HEALTHCARE_SUBSCRIPTION_ID, healthcareSubscription } from './seed.js';
export { STORAGE_API_VERSIONS } from './providers/storage.js';
export { AUTHORIZATION_API_VERSIONS, BUILT_IN_ROLE_IDS } from './providers/authorization.js';
export { KEY_VAULT_ARM_API_VERSIONS } from './providers/keyVault.js';
export type { GraphAnswer } from './graph.js';
export { RESOURCE_GRAPH_API_VERSIONS, RESOURCE_GRAPH_QUOTA } from './resourceGraph.js';
export type { ResourceGraphQuotaLimits, SandboxResourceGraph } from './resourceGraph.js';
export { KEY_VAULT_API_VERSIONS } from './keyvault.js';
export type { SandboxKeySpec } from './keyvault.js';
export { EVENT_GRID_PUBLISH_API_VERSION, EVENT_GRID_TOPIC_LIMITS, EVENT_GRID_TOPIC_PATH } from './eventgridTopic.js';
export type {
  PublishedCloudEvent,
  PublishedEventGridEvent,
  SandboxTopic,
  TopicCredentialKind,
  TopicInputSchema,
  TopicLimits,
  TopicReceivedEvent,
  TopicRequestRecord,
} from './eventgridTopic.js';
export type { ArmMethod, ResourceProvider, ResourceTypeDefinition, WriteContext } from './providers/types.js';
