// Data-plane access of the Function's identity, each on the narrowest scope Azure RBAC offers:
// the audit container (not the account), the two tables (not the table service), the signing key
// (not the vault), the alerts topic, its own host storage account and its Application Insights.

@description('Object id of the Function App\'s managed identity.')
param principalId string

@description('Audit storage account.')
param auditAccountName string

@description('Audit container (Storage Blob Data Contributor: append the chain and heads; WORM keeps what is written).')
param auditContainerName string

@description('Mode store table (Storage Table Data Contributor).')
param modesTableName string

@description('Alert store table (Storage Table Data Contributor).')
param alertsTableName string

@description('Key Vault holding the signing key.')
param vaultName string

@description('Signing key (Key Vault Crypto User: sign, and read the public key).')
param keyName string

@description('Alerts topic (EventGrid Data Sender).')
param alertTopicName string

@description('Host storage account (Storage Blob Data Owner, as the Functions host requires for AzureWebJobsStorage).')
param hostStorageAccountName string

@description('Application Insights component (Monitoring Metrics Publisher: Entra-authenticated telemetry).')
param appInsightsName string

// Built-in role definition ids (tenant-independent).
var roles = {
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  keyVaultCryptoUser: '12338af0-0e69-4776-bea7-57ae8d297424'
  eventGridDataSender: 'd5a91429-5739-47e2-a06b-3470a27159e7'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
}

resource auditContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-08-01' existing = {
  name: '${auditAccountName}/default/${auditContainerName}'
}

resource modesTable 'Microsoft.Storage/storageAccounts/tableServices/tables@2025-08-01' existing = {
  name: '${auditAccountName}/default/${modesTableName}'
}

resource alertsTable 'Microsoft.Storage/storageAccounts/tableServices/tables@2025-08-01' existing = {
  name: '${auditAccountName}/default/${alertsTableName}'
}

resource signingKey 'Microsoft.KeyVault/vaults/keys@2025-05-01' existing = {
  name: '${vaultName}/${keyName}'
}

resource alertTopic 'Microsoft.EventGrid/topics@2025-02-15' existing = {
  name: alertTopicName
}

resource hostStorage 'Microsoft.Storage/storageAccounts@2025-08-01' existing = {
  name: hostStorageAccountName
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: appInsightsName
}

resource auditWriter 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: auditContainer
  name: guid(auditContainer.id, principalId, roles.storageBlobDataContributor)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataContributor)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'hipaa-remediator: append the audit chain and heads (this container only)'
  }
}

resource modesWriter 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: modesTable
  name: guid(modesTable.id, principalId, roles.storageTableDataContributor)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageTableDataContributor)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'hipaa-remediator: mode store (this table only)'
  }
}

resource alertsWriter 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: alertsTable
  name: guid(alertsTable.id, principalId, roles.storageTableDataContributor)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageTableDataContributor)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'hipaa-remediator: alert store (this table only)'
  }
}

resource signer 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: signingKey
  name: guid(signingKey.id, principalId, roles.keyVaultCryptoUser)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultCryptoUser)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'hipaa-remediator: sign audit heads (this key only)'
  }
}

resource alertSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: alertTopic
  name: guid(alertTopic.id, principalId, roles.eventGridDataSender)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.eventGridDataSender)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'hipaa-remediator: publish alerts (this topic only)'
  }
}

resource hostStorageOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: hostStorage
  name: guid(hostStorage.id, principalId, roles.storageBlobDataOwner)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataOwner)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'hipaa-remediator: Functions host storage and deployment package (this account only)'
  }
}

resource telemetryPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: appInsights
  name: guid(appInsights.id, principalId, roles.monitoringMetricsPublisher)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'hipaa-remediator: Entra-authenticated Application Insights telemetry'
  }
}
