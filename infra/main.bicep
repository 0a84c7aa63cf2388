// hipaa-remediator, deployed once in its home subscription and watching many: the Function App
// (Flex Consumption), the WORM audit store, the mode and alert tables, the Key Vault signing key,
// the alerts topic, and, in every watched subscription (the home one included), the Event Grid
// system topic and filtered event subscription that feed it ARM events and the custom role it
// acts with (or one role on a management group, managementGroupName), and exactly the access each needs.
//
//   az deployment sub create --location <region> --template-file infra/main.bicep --parameters infra/main.bicepparam
//
// The event subscription needs the function code deployed first; scripts/deploy.sh runs the
// whole sequence (infra without it, the management group role, the package, infra with it, the
// audit policy lock). Subscriptions created later under the management group: infra/policy/.
// See infra/README.md.
targetScope = 'subscription'

@description('Region of every regional resource (defaults to the deployment\'s --location; it must offer Flex Consumption).')
param location string = deployment().location

@description('Resource group created for the service.')
@minLength(1)
@maxLength(90)
param resourceGroupName string = 'rg-hipaa-remediator'

@description('Tags applied to every resource.')
param tags object = {
  workload: 'hipaa-remediator'
}

// ---- audit store ----------------------------------------------------------------------------

@description('Lock the audit container\'s time-based immutability policy after deployment (IRREVERSIBLE: the container and its account can then not be deleted before the retention ends, and the retention can only grow). ARM cannot lock declaratively: scripts/deploy.sh does it, or run the auditPolicyLockCommand output.')
param lockAuditPolicy bool = true

@description('Create or update the (unlocked) immutability policy. Set false once it is locked: ARM refuses a PUT on a locked policy (scripts/deploy.sh does so by itself).')
param manageAuditPolicy bool = true

@description('Time-based retention of the audit container in days (at least six years, 2190).')
@minValue(2190)
@maxValue(146000)
param auditRetentionDays int = 2190

@description('Replication of the audit storage account.')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
  'Standard_RAGRS'
  'Standard_GZRS'
  'Standard_RAGZRS'
])
param auditStorageSku string = 'Standard_GRS'

@description('Days dead-lettered ARM events are kept (they carry callers\' token claims: personal data).')
@minValue(1)
param deadLetterRetentionDays int = 30

// ---- events ---------------------------------------------------------------------------------

@description('Create the event subscription to onResourceChange. It requires the function code to be deployed (Event Grid validates the endpoint): false on a first deployment before the package, true afterwards.')
param subscribeToResourceEvents bool = true

@description('ARM id of an existing Event Grid system topic of the home subscription or another watched one (Azure allows one per source). Empty: create one in the service\'s resource group (home) or eventsResourceGroupName (elsewhere). An existing topic needs a system-assigned identity.')
param existingSystemTopicResourceId string = ''

@description('More existing system topics, at most one per watched subscription (the subscription is read from each id).')
param existingSystemTopicResourceIds array = []

// ---- scope: what the deployment watches -------------------------------------------------------

@description('Subscriptions watched (HIPAA_REMEDIATOR_SUBSCRIPTIONS): each gets the system topic and event subscription, and the custom role unless managementGroupName is set. The home subscription is always one of them.')
param watchedSubscriptionIds array = [
  subscription().subscriptionId
]

@description('Management group watched (HIPAA_REMEDIATOR_MANAGEMENT_GROUPS; the service finds its subscriptions through Resource Graph). Set: the custom role is defined and assigned on the management group (infra/modules/managementGroupRole.bicep, which scripts/deploy.sh deploys) instead of on each subscription. Empty: subscriptions only.')
param managementGroupName string = ''

@description('Resource group created for the system topic in each watched subscription other than the home one.')
@minLength(1)
@maxLength(90)
param eventsResourceGroupName string = 'rg-hipaa-remediator-events'

@description('How the sweep lists resources (HIPAA_REMEDIATOR_SWEEP_SOURCE): auto (Resource Graph for a family only where its pages are few against the per-subscription listings they replace), resource-graph (one paged query per family across all watched subscriptions) or list-apis (ARM list calls per subscription).')
@allowed([
  'auto'
  'resource-graph'
  'list-apis'
])
param sweepSource string = 'auto'

@description('Event Grid delivery attempts before dead-lettering.')
@minValue(1)
@maxValue(30)
param maxDeliveryAttempts int = 30

@description('Minutes Event Grid keeps retrying an event before dead-lettering it.')
@minValue(1)
@maxValue(1440)
param eventTimeToLiveInMinutes int = 1440

// ---- the Function App ------------------------------------------------------------------------

@description('Node.js major version of the Flex Consumption runtime.')
@allowed([
  '20'
  '22'
])
param nodeVersion string = '20'

@description('Maximum instances of the Function App.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 10

@description('Memory per instance in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Sweep schedule (NCRONTAB with seconds): HIPAA_REMEDIATOR_SWEEP_SCHEDULE.')
param sweepSchedule string = '0 */15 * * * *'

@description('Object ids of break-glass accounts and other principals never to revoke (policy.roleAssignments.protectedPrincipalIds); the service itself is always protected.')
param breakGlassPrincipalIds array = []

@description('The service configuration (the --config JSON: modes, dryRun, policy, alerts sinks, ...). breakGlassPrincipalIds are added to its policy.roleAssignments.protectedPrincipalIds.')
param serviceConfig object = {}

@description('Audience of the admin API\'s Entra app registration (e.g. api://<client id>). Empty: the admin API refuses every call.')
param adminAudience string = ''

@description('App role that may change modes through the admin API.')
param adminOperatorRole string = 'Remediator.Operator'

@description('App role that may read through the admin API.')
param adminReaderRole string = 'Remediator.Reader'

@description('More app settings (e.g. Key Vault references for webhook sinks); never a secret in clear.')
param extraAppSettings object = {}

// ---- monitoring ------------------------------------------------------------------------------

@description('ARM id of the Log Analytics workspace audit logs must go to (HIPAA_REMEDIATOR_LOG_WORKSPACE_ID). Empty: the workspace this deployment creates.')
param auditLogWorkspaceId string = ''

@description('Interactive retention of the created workspace in days (the log-retention remediator requires 90 by default).')
@minValue(30)
@maxValue(730)
param logRetentionDays int = 90

@description('Audit tables of the created workspace given six-year total retention up front (policy.logRetention.tables); the rest are left to the log-retention remediator.')
param auditTableNames array = [
  'AzureActivity'
  'AzureDiagnostics'
  'StorageBlobLogs'
  'AZKVAuditLogs'
]

@description('Total retention of those tables in days.')
@minValue(4)
@maxValue(4383)
param auditTableTotalRetentionDays int = 2191

@description('Daily ingestion cap of the created workspace in GB, -1 for none (a cap drops audit logs too once reached).')
param logDailyQuotaGb int = -1

// ---- Key Vault and the alerts topic ----------------------------------------------------------

@description('Key Vault SKU: standard (EC key) or premium (EC-HSM key).')
@allowed([
  'standard'
  'premium'
])
param keyVaultSku string = 'standard'

@description('Public network access of the Key Vault (Disabled needs private networking this template does not build).')
@allowed([
  'Enabled'
  'Disabled'
])
param keyVaultPublicNetworkAccess string = 'Enabled'

@description('Rotation of the signing key (ISO 8601 durations): rotateAfter a version\'s creation, expiresAfter (each version), notifyBefore expiry. HIPAA_REMEDIATOR_AUDIT_KEY_ID names one version: redeploy within expiresAfter - rotateAfter of a rotation so the service signs with the new version.')
param signingKeyRotation object = {
  rotateAfter: 'P6M'
  expiresAfter: 'P1Y'
  notifyBefore: 'P30D'
}

@description('Public network access of the alerts topic.')
@allowed([
  'Enabled'
  'Disabled'
])
param alertTopicPublicNetworkAccess string = 'Enabled'

// ---- names ---------------------------------------------------------------------------------------

var token = uniqueString(subscription().subscriptionId, resourceGroupName)
var names = {
  app: 'func-hipaa-${token}'
  plan: 'plan-hipaa-${token}'
  auditStorage: 'sthipaaaudit${take(token, 12)}'
  hostStorage: 'sthipaahost${take(token, 12)}'
  vault: 'kv-hipaa-${take(token, 13)}'
  workspace: 'log-hipaa-${token}'
  appInsights: 'appi-hipaa-${token}'
  alertTopic: 'evgt-hipaa-alerts-${token}'
  eventSubscription: 'hipaa-remediator-arm-events'
  auditContainer: 'hipaa-audit'
  deadLetterContainer: 'eventgrid-deadletter'
  deploymentContainer: 'app-package'
  modesTable: 'remediatormodes'
  alertsTable: 'remediatoralerts'
  deadLetterIdentity: 'id-hipaa-deadletter-${token}'
  signingKey: 'audit-signing'
  // policy.diagnosticSettings.name's default: what the diagnostic-settings remediator requires.
  diagnosticSetting: 'hipaa-audit'
}

// The home subscription first and always, then the others, each once (ids compared in lower case).
var homeSubscriptionId = toLower(subscription().subscriptionId)
var watchedSubscriptions = union([homeSubscriptionId], map(watchedSubscriptionIds, id => toLower(trim(string(id)))))
var existingSystemTopics = union(empty(existingSystemTopicResourceId) ? [] : [existingSystemTopicResourceId], existingSystemTopicResourceIds)
var existingSystemTopicBySubscription = toObject(existingSystemTopics, id => toLower(split(id, '/')[2]))
var roleOnManagementGroup = !empty(managementGroupName)

// Break-glass ids join whatever the config already protects.
var configuredProtected = serviceConfig.?policy.?roleAssignments.?protectedPrincipalIds ?? []
var effectiveConfig = union(serviceConfig, {
  policy: union(serviceConfig.?policy ?? {}, {
    roleAssignments: union(serviceConfig.?policy.?roleAssignments ?? {}, {
      protectedPrincipalIds: union(configuredProtected, breakGlassPrincipalIds)
    })
  })
})

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: resourceGroupName
  location: location
  tags: tags
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'hipaa-monitoring'
  scope: rg
  params: {
    location: location
    tags: tags
    workspaceName: names.workspace
    appInsightsName: names.appInsights
    retentionInDays: logRetentionDays
    auditTableNames: auditTableNames
    auditTableTotalRetentionDays: auditTableTotalRetentionDays
    dailyQuotaGb: logDailyQuotaGb
  }
}

var auditWorkspaceId = empty(auditLogWorkspaceId) ? monitoring.outputs.workspaceId : auditLogWorkspaceId

module auditStorage 'modules/auditStorage.bicep' = {
  name: 'hipaa-audit-storage'
  scope: rg
  params: {
    location: location
    tags: tags
    accountName: names.auditStorage
    skuName: auditStorageSku
    auditContainerName: names.auditContainer
    retentionDays: auditRetentionDays
    manageAuditPolicy: manageAuditPolicy
    deadLetterContainerName: names.deadLetterContainer
    deadLetterRetentionDays: deadLetterRetentionDays
    blobSoftDeleteDays: 7
    containerSoftDeleteDays: 7
    modesTableName: names.modesTable
    alertsTableName: names.alertsTable
    workspaceId: auditWorkspaceId
    diagnosticSettingName: names.diagnosticSetting
  }
}

module hostStorage 'modules/hostStorage.bicep' = {
  name: 'hipaa-host-storage'
  scope: rg
  params: {
    location: location
    tags: tags
    accountName: names.hostStorage
    deploymentContainerName: names.deploymentContainer
    blobSoftDeleteDays: 7
    containerSoftDeleteDays: 7
    previousVersionRetentionDays: 7
    workspaceId: auditWorkspaceId
    diagnosticSettingName: names.diagnosticSetting
  }
}

module keyVault 'modules/keyVault.bicep' = {
  name: 'hipaa-key-vault'
  scope: rg
  params: {
    location: location
    tags: tags
    vaultName: names.vault
    skuName: keyVaultSku
    publicNetworkAccess: keyVaultPublicNetworkAccess
    keyName: names.signingKey
    rotateAfter: signingKeyRotation.rotateAfter
    expiresAfter: signingKeyRotation.expiresAfter
    notifyBefore: signingKeyRotation.notifyBefore
    workspaceId: auditWorkspaceId
    diagnosticSettingName: names.diagnosticSetting
  }
}

module alertTopic 'modules/alertTopic.bicep' = {
  name: 'hipaa-alert-topic'
  scope: rg
  params: {
    location: location
    tags: tags
    topicName: names.alertTopic
    publicNetworkAccess: alertTopicPublicNetworkAccess
  }
}

module functionApp 'modules/functionApp.bicep' = {
  name: 'hipaa-function-app'
  scope: rg
  params: {
    location: location
    tags: tags
    appName: names.app
    planName: names.plan
    nodeVersion: nodeVersion
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    hostStorageAccountName: hostStorage.outputs.accountName
    deploymentContainerUrl: hostStorage.outputs.deploymentContainerUrl
    appInsightsName: monitoring.outputs.appInsightsName
    auditContainerUrl: auditStorage.outputs.auditContainerUrl
    auditKeyId: keyVault.outputs.auditKeyId
    tableEndpoint: auditStorage.outputs.tableEndpoint
    modesTableName: names.modesTable
    alertsTableName: names.alertsTable
    alertTopicEndpoint: alertTopic.outputs.endpoint
    sweepSchedule: sweepSchedule
    logWorkspaceId: auditWorkspaceId
    watchedSubscriptionIds: watchedSubscriptions
    managementGroupName: managementGroupName
    sweepSource: sweepSource
    serviceConfig: effectiveConfig
    adminAudience: adminAudience
    adminOperatorRole: adminOperatorRole
    adminReaderRole: adminReaderRole
    extraAppSettings: extraAppSettings
  }
}

module serviceAccess 'modules/serviceAccess.bicep' = {
  name: 'hipaa-service-access'
  scope: rg
  params: {
    principalId: functionApp.outputs.principalId
    auditAccountName: auditStorage.outputs.accountName
    auditContainerName: names.auditContainer
    modesTableName: names.modesTable
    alertsTableName: names.alertsTable
    vaultName: keyVault.outputs.vaultName
    keyName: names.signingKey
    alertTopicName: alertTopic.outputs.topicName
    hostStorageAccountName: hostStorage.outputs.accountName
    appInsightsName: monitoring.outputs.appInsightsName
  }
}

// The custom role on each watched subscription, unless it is on the management group
// (modules/managementGroupRole.bicep: a subscription-scope deployment cannot reach a management
// group, so scripts/deploy.sh deploys that one with `az deployment mg create`).
module subscriptionRole 'modules/subscriptionRole.bicep' = [
  for sub in watchedSubscriptions: if (!roleOnManagementGroup) {
    name: 'hipaa-subscription-role-${sub}'
    scope: subscription(sub)
    params: {
      principalId: functionApp.outputs.principalId
      roleName: 'HIPAA Remediator (${sub})'
    }
  }
]

// ARM events of each watched subscription: its system topic (one per subscription; the home
// subscription's is the one the single-subscription template created) and the filtered event
// subscription, dead-lettered to this deployment's audit account.
module watched 'modules/watchedSubscription.bicep' = [
  for sub in watchedSubscriptions: {
    name: 'hipaa-watched-${sub}'
    scope: subscription(sub)
    params: {
      resourceGroupName: sub == homeSubscriptionId ? resourceGroupName : eventsResourceGroupName
      createResourceGroup: sub != homeSubscriptionId
      location: location
      tags: tags
      existingSystemTopicResourceId: contains(existingSystemTopicBySubscription, sub) ? existingSystemTopicBySubscription[sub] : ''
      subscribeToResourceEvents: subscribeToResourceEvents
      eventSubscriptionName: names.eventSubscription
      functionAppId: functionApp.outputs.appId
      maxDeliveryAttempts: maxDeliveryAttempts
      eventTimeToLiveInMinutes: eventTimeToLiveInMinutes
      deadLetterAccountId: auditStorage.outputs.accountId
      deadLetterContainerName: names.deadLetterContainer
    }
    dependsOn: [
      rg
      serviceAccess
      subscriptionRole
    ]
  }
]

// For event subscriptions the policy (infra/policy/) creates in subscriptions added later: one
// user-assigned identity their topics dead-letter with, allowed to write the dead-letter container only.
module policyDeadLetterIdentity 'modules/deadLetterIdentity.bicep' = {
  name: 'hipaa-dead-letter-identity'
  scope: rg
  params: {
    location: location
    tags: tags
    identityName: names.deadLetterIdentity
  }
}

module policyDeadLetterAccess 'modules/deadLetterAccess.bicep' = {
  name: 'hipaa-dead-letter-identity-access'
  scope: rg
  params: {
    principalId: policyDeadLetterIdentity.outputs.principalId
    accountName: auditStorage.outputs.accountName
    containerName: names.deadLetterContainer
  }
}

@description('Resource group of the service.')
output resourceGroupName string = rg.name

@description('Function App to deploy the package to (npm run package; az functionapp deployment source config-zip).')
output functionAppName string = functionApp.outputs.appName

@description('Object id of the Function\'s managed identity: grant it Microsoft Graph Directory.Read.All (an administrator; see infra/README.md).')
output functionPrincipalId string = functionApp.outputs.principalId

@description('Audit storage account.')
output auditStorageAccountName string = auditStorage.outputs.accountName

@description('Audit container (HIPAA_REMEDIATOR_AUDIT_CONTAINER_URL).')
output auditContainerUrl string = auditStorage.outputs.auditContainerUrl

@description('Audit container name.')
output auditContainerName string = names.auditContainer

@description('Signing key id with version (HIPAA_REMEDIATOR_AUDIT_KEY_ID): an identifier, no key material.')
output auditKeyId string = keyVault.outputs.auditKeyId

@description('Alerts topic: create the on-call event subscriptions on it.')
output alertTopicId string = alertTopic.outputs.topicId

@description('HIPAA_REMEDIATOR_ALERT_TOPIC_ENDPOINT.')
output alertTopicEndpoint string = alertTopic.outputs.endpoint

@description('Subscriptions watched, the home one first (HIPAA_REMEDIATOR_SUBSCRIPTIONS); scripts/deploy.sh passes them to managementGroupRole.bicep.')
output watchedSubscriptionIds array = watchedSubscriptions

@description('Management group watched, empty for none (HIPAA_REMEDIATOR_MANAGEMENT_GROUPS): scripts/deploy.sh then deploys managementGroupRole.bicep there.')
output managementGroupName string = managementGroupName

@description('Function App (the policy assignment\'s functionAppId).')
output functionAppId string = functionApp.outputs.appId

@description('Audit storage account holding the dead-letter container (the policy assignment\'s deadLetterStorageAccountId).')
output deadLetterStorageAccountId string = auditStorage.outputs.accountId

@description('Dead-letter container (the policy assignment\'s deadLetterContainerName).')
output deadLetterContainerName string = names.deadLetterContainer

@description('User-assigned identity the policy\'s topics dead-letter with (the policy assignment\'s deadLetterIdentityId).')
output policyDeadLetterIdentityId string = policyDeadLetterIdentity.outputs.identityId

@description('Whether the operator asked for the audit policy to be locked (scripts/deploy.sh acts on it).')
output lockAuditPolicy bool = lockAuditPolicy

@description('Locks the audit immutability policy (irreversible): what scripts/deploy.sh runs when lockAuditPolicy is true.')
output auditPolicyLockCommand string = 'az storage container immutability-policy lock --resource-group ${rg.name} --account-name ${auditStorage.outputs.accountName} --container-name ${names.auditContainer} --if-match "$(az storage container immutability-policy show --resource-group ${rg.name} --account-name ${auditStorage.outputs.accountName} --container-name ${names.auditContainer} --query etag -o tsv)"'

@description('Whether the event subscription was deployed in this run.')
output subscribedToResourceEvents bool = subscribeToResourceEvents
