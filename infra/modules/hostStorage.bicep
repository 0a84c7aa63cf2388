// The Functions host's own storage account (AzureWebJobsStorage and the Flex Consumption
// deployment container), apart from the audit account: the host needs Storage Blob Data Owner on
// it, which must not reach the audit trail. Identity-based only (shared key access disabled).

@description('Azure region of the account.')
param location string

@description('Tags applied to every resource of this module.')
param tags object

@description('Storage account name (3-24 lower-case letters and digits, globally unique).')
@minLength(3)
@maxLength(24)
param accountName string

@description('Container the Flex Consumption plan deploys the package from.')
param deploymentContainerName string

@description('Blob soft delete in days (at least policy.dataProtection.blobSoftDeleteDays, 7: the service judges this account too).')
@minValue(7)
@maxValue(365)
param blobSoftDeleteDays int

@description('Container soft delete in days (at least policy.dataProtection.containerSoftDeleteDays, 7).')
@minValue(7)
@maxValue(365)
param containerSoftDeleteDays int

@description('Days after which previous blob versions are deleted (the host overwrites its lease and timer blobs all day).')
@minValue(1)
param previousVersionRetentionDays int

@description('Log Analytics workspace the blob service\'s audit logs go to.')
param workspaceId string

@description('Name of the diagnostic setting the diagnostic-settings remediator looks for (policy.diagnosticSettings.name).')
param diagnosticSettingName string

resource account 'Microsoft.Storage/storageAccounts@2025-08-01' = {
  name: accountName
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    accessTier: 'Hot'
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    allowCrossTenantReplication: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    isHnsEnabled: false
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

// Compliant with storage-data-protection from the start, so the service's first act is not a fix of its own host.
resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2025-08-01' = {
  parent: account
  name: 'default'
  properties: {
    isVersioningEnabled: true
    deleteRetentionPolicy: {
      enabled: true
      days: blobSoftDeleteDays
      allowPermanentDelete: false
    }
    containerDeleteRetentionPolicy: {
      enabled: true
      days: containerSoftDeleteDays
    }
  }
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-08-01' = {
  parent: blobService
  name: deploymentContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource lifecycle 'Microsoft.Storage/storageAccounts/managementPolicies@2025-08-01' = {
  parent: account
  name: 'default'
  properties: {
    policy: {
      rules: [
        {
          enabled: true
          name: 'expire-previous-versions'
          type: 'Lifecycle'
          definition: {
            filters: {
              blobTypes: [
                'blockBlob'
              ]
            }
            actions: {
              version: {
                delete: {
                  daysAfterCreationGreaterThan: previousVersionRetentionDays
                }
              }
            }
          }
        }
      ]
    }
  }
  dependsOn: [
    blobService
  ]
}

resource blobDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  scope: blobService
  name: diagnosticSettingName
  properties: {
    workspaceId: workspaceId
    logs: [
      {
        category: 'StorageRead'
        enabled: true
      }
      {
        category: 'StorageWrite'
        enabled: true
      }
      {
        category: 'StorageDelete'
        enabled: true
      }
    ]
  }
}

@description('Name of the host storage account (AzureWebJobsStorage__accountName).')
output accountName string = account.name

@description('Blob URL of the deployment container (functionAppConfig.deployment.storage.value).')
output deploymentContainerUrl string = '${account.properties.primaryEndpoints.blob}${deploymentContainer.name}'
