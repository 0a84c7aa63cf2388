// The Function App on the Flex Consumption plan (Linux, Node.js), with a system-assigned managed
// identity, HTTPS only, TLS 1.2, FTP and basic publishing credentials off, and the app settings
// the service reads (README.md). No app setting holds a secret: storage, Key Vault, Table
// Storage, Event Grid and Application Insights are all reached with the managed identity.

@description('Azure region of the plan and the app (a region with Flex Consumption: az functionapp list-flexconsumption-locations).')
param location string

@description('Tags applied to every resource of this module.')
param tags object

@description('Function App name (globally unique host name).')
param appName string

@description('Flex Consumption plan name.')
param planName string

@description('Node.js major version (Flex Consumption runtime name node, versions 20 and 22; package.json engines allows both).')
@allowed([
  '20'
  '22'
])
param nodeVersion string

@description('Upper bound of instances (cost and ARM throttling: every instance shares the identity\'s ARM request budget).')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int

@description('Memory per instance in MB (what Flex Consumption bills, per GB-second).')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int

@description('Host storage account (AzureWebJobsStorage, identity-based).')
param hostStorageAccountName string

@description('Blob URL of the deployment container in the host storage account.')
param deploymentContainerUrl string

@description('Application Insights component the Functions telemetry goes to.')
param appInsightsName string

@description('HIPAA_REMEDIATOR_AUDIT_CONTAINER_URL.')
param auditContainerUrl string

@description('HIPAA_REMEDIATOR_AUDIT_KEY_ID (versioned key id).')
param auditKeyId string

@description('Table endpoint of the audit account (HIPAA_REMEDIATOR_MODES_TABLE_URL and HIPAA_REMEDIATOR_ALERTS_TABLE_URL).')
param tableEndpoint string

@description('HIPAA_REMEDIATOR_MODES_TABLE.')
param modesTableName string

@description('HIPAA_REMEDIATOR_ALERTS_TABLE.')
param alertsTableName string

@description('HIPAA_REMEDIATOR_ALERT_TOPIC_ENDPOINT.')
param alertTopicEndpoint string

@description('HIPAA_REMEDIATOR_SWEEP_SCHEDULE (NCRONTAB, six fields).')
param sweepSchedule string

@description('HIPAA_REMEDIATOR_LOG_WORKSPACE_ID: the audit workspace diagnostic settings must send to.')
param logWorkspaceId string

@description('HIPAA_REMEDIATOR_SUBSCRIPTIONS: the subscriptions watched, the home one (AZURE_SUBSCRIPTION_ID) included; main.bicep deploys a system topic and event subscription in each.')
param watchedSubscriptionIds array

@description('HIPAA_REMEDIATOR_MANAGEMENT_GROUPS: the management group watched (its subscriptions resolved through Resource Graph), empty for none.')
param managementGroupName string

@description('HIPAA_REMEDIATOR_SWEEP_SOURCE: auto, resource-graph or list-apis.')
@allowed([
  'auto'
  'resource-graph'
  'list-apis'
])
param sweepSource string

@description('HIPAA_REMEDIATOR_CONFIG: the service configuration (the --config file\'s JSON).')
param serviceConfig object

@description('HIPAA_REMEDIATOR_ADMIN_AUDIENCE: audience (application ID URI or client id) of the admin API\'s Entra app registration. Empty: the admin settings are left out and the admin API refuses every call (fail closed).')
param adminAudience string

@description('HIPAA_REMEDIATOR_ADMIN_OPERATOR_ROLE: app role that may change modes.')
param adminOperatorRole string

@description('HIPAA_REMEDIATOR_ADMIN_READER_ROLE: app role that may read.')
param adminReaderRole string

@description('More app settings, e.g. Key Vault references for webhook sinks (@Microsoft.KeyVault(SecretUri=...)). Never put a secret here in clear; the settings above take precedence.')
param extraAppSettings object

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: appInsightsName
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true
  }
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: appName
  location: location
  tags: tags
  kind: 'functionapp,linux'
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    clientAffinityEnabled: false
    publicNetworkAccess: 'Enabled'
    siteConfig: {
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: deploymentContainerUrl
          authentication: {
            type: 'SystemAssignedIdentity'
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'node'
        version: nodeVersion
      }
    }
  }
}

resource ftpCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: site
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scmCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: site
  name: 'scm'
  properties: {
    allow: false
  }
}

// Every setting the service reads in Azure (README.md); test/infra checks these keys against the code.
var serviceSettings = {
  AzureWebJobsStorage__accountName: hostStorageAccountName
  // With DisableLocalAuth on the component the instrumentation key cannot write by itself: not a secret.
  APPLICATIONINSIGHTS_CONNECTION_STRING: appInsights.properties.ConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD'
  AZURE_SUBSCRIPTION_ID: subscription().subscriptionId
  HIPAA_REMEDIATOR_SUBSCRIPTIONS: join(watchedSubscriptionIds, ',')
  HIPAA_REMEDIATOR_MANAGEMENT_GROUPS: managementGroupName
  HIPAA_REMEDIATOR_SWEEP_SOURCE: sweepSource
  // Its own changes are ignored (no loops) and its own assignments never revoked.
  HIPAA_REMEDIATOR_SELF_IDS: site.identity.principalId
  HIPAA_REMEDIATOR_AUDIT_CONTAINER_URL: auditContainerUrl
  HIPAA_REMEDIATOR_AUDIT_KEY_ID: auditKeyId
  HIPAA_REMEDIATOR_MODES_TABLE_URL: tableEndpoint
  HIPAA_REMEDIATOR_MODES_TABLE: modesTableName
  HIPAA_REMEDIATOR_ALERTS_TABLE_URL: tableEndpoint
  HIPAA_REMEDIATOR_ALERTS_TABLE: alertsTableName
  HIPAA_REMEDIATOR_ALERT_TOPIC_ENDPOINT: alertTopicEndpoint
  HIPAA_REMEDIATOR_SWEEP_SCHEDULE: sweepSchedule
  HIPAA_REMEDIATOR_LOG_WORKSPACE_ID: logWorkspaceId
  HIPAA_REMEDIATOR_CONFIG: string(serviceConfig)
}

// Only with an audience: a tenant without one would make the Entra authenticator refuse to start.
var adminSettings = empty(adminAudience) ? {} : {
  HIPAA_REMEDIATOR_ADMIN_TENANT_ID: subscription().tenantId
  HIPAA_REMEDIATOR_ADMIN_AUDIENCE: adminAudience
  HIPAA_REMEDIATOR_ADMIN_OPERATOR_ROLE: adminOperatorRole
  HIPAA_REMEDIATOR_ADMIN_READER_ROLE: adminReaderRole
}

// Sovereign clouds: ARM elsewhere than management.azure.com (the SDK clients take it without a trailing slash).
var armEndpointWithSlash = environment().resourceManager
var cloudSettings = environment().name == 'AzureCloud' ? {} : {
  HIPAA_REMEDIATOR_ARM_ENDPOINT: endsWith(armEndpointWithSlash, '/') ? substring(armEndpointWithSlash, 0, length(armEndpointWithSlash) - 1) : armEndpointWithSlash
}

resource appSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: site
  name: 'appsettings'
  properties: union(extraAppSettings, serviceSettings, adminSettings, cloudSettings)
}

@description('Name of the Function App.')
output appName string = site.name

@description('ARM id of the Function App.')
output appId string = site.id

@description('Object id of the app\'s system-assigned managed identity (HIPAA_REMEDIATOR_SELF_IDS).')
output principalId string = site.identity.principalId
