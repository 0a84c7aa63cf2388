// The audit storage account: the WORM container holding the audit chain and its signed heads,
// the Table Storage tables for modes and alerts, and the Event Grid dead-letter container.
// Shared key access is disabled: everything reaches it with Entra ID (the Function's identity,
// the system topic's identity for dead letters).

@description('Azure region of the account.')
param location string

@description('Tags applied to every resource of this module.')
param tags object

@description('Storage account name (3-24 lower-case letters and digits, globally unique).')
@minLength(3)
@maxLength(24)
param accountName string

@description('Replication of the audit account. Geo-redundant by default: the audit trail is evidence.')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
  'Standard_RAGRS'
  'Standard_GZRS'
  'Standard_RAGZRS'
])
param skuName string

@description('Container holding the audit chain (audit/) and the signed heads (heads/): HIPAA_REMEDIATOR_AUDIT_CONTAINER_URL.')
param auditContainerName string

@description('Time-based retention of the audit container in days (six years: 164.316(b)(2)(i)).')
@minValue(2190)
@maxValue(146000)
param retentionDays int

@description('Create (or update, while unlocked) the time-based immutability policy. Set false once the policy is locked: ARM refuses a PUT on a locked policy, which can only be extended.')
param manageAuditPolicy bool

@description('Container the Event Grid subscription dead-letters undeliverable ARM events to.')
param deadLetterContainerName string

@description('Days after which dead-lettered events are deleted (they carry callers\' token claims: personal data).')
@minValue(1)
param deadLetterRetentionDays int

@description('Blob soft delete in days (the storage-data-protection remediator requires at least policy.dataProtection.blobSoftDeleteDays, 7).')
@minValue(7)
@maxValue(365)
param blobSoftDeleteDays int

@description('Container soft delete in days (at least policy.dataProtection.containerSoftDeleteDays, 7).')
@minValue(7)
@maxValue(365)
param containerSoftDeleteDays int

@description('Table of the mode store (HIPAA_REMEDIATOR_MODES_TABLE).')
param modesTableName string

@description('Table of the alert store (HIPAA_REMEDIATOR_ALERTS_TABLE).')
param alertsTableName string

@description('Log Analytics workspace the blob service\'s audit logs go to.')
param workspaceId string

@description('Name of the diagnostic setting (policy.diagnosticSettings.name, default hipaa-audit): what the diagnostic-settings remediator looks for.')
param diagnosticSettingName string

resource account 'Microsoft.Storage/storageAccounts@2025-08-01' = {
  name: accountName
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: skuName
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
    encryption: {
      keySource: 'Microsoft.Storage'
      requireInfrastructureEncryption: true
      services: {
        blob: {
          enabled: true
          keyType: 'Account'
        }
        table: {
          enabled: true
          keyType: 'Account'
        }
      }
    }
  }
}

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

resource auditContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-08-01' = {
  parent: blobService
  name: auditContainerName
  properties: {
    publicAccess: 'None'
  }
}

// Unlocked when created: ARM has no declarative lock (it is a POST with If-Match), so
// scripts/deploy.sh locks it when lockAuditPolicy is true, or an operator runs the
// auditPolicyLockCommand output. Protected append writes let the chain grow while nothing
// written can change.
resource auditPolicy 'Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies@2025-08-01' = if (manageAuditPolicy) {
  parent: auditContainer
  name: 'default'
  properties: {
    immutabilityPeriodSinceCreationInDays: retentionDays
    allowProtectedAppendWrites: true
  }
}

resource deadLetterContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-08-01' = {
  parent: blobService
  name: deadLetterContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2025-08-01' = {
  parent: account
  name: 'default'
}

resource modesTable 'Microsoft.Storage/storageAccounts/tableServices/tables@2025-08-01' = {
  parent: tableService
  name: modesTableName
}

resource alertsTable 'Microsoft.Storage/storageAccounts/tableServices/tables@2025-08-01' = {
  parent: tableService
  name: alertsTableName
}

// Dead letters (and their versions) expire; the audit container is untouched by any rule.
resource lifecycle 'Microsoft.Storage/storageAccounts/managementPolicies@2025-08-01' = {
  parent: account
  name: 'default'
  properties: {
    policy: {
      rules: [
        {
          enabled: true
          name: 'expire-dead-letters'
          type: 'Lifecycle'
          definition: {
            filters: {
              blobTypes: [
                'blockBlob'
              ]
              prefixMatch: [
                '${deadLetterContainerName}/'
              ]
            }
            actions: {
              baseBlob: {
                delete: {
                  daysAfterModificationGreaterThan: deadLetterRetentionDays
                }
              }
              version: {
                delete: {
                  daysAfterCreationGreaterThan: deadLetterRetentionDays
                }
              }
            }
          }
        }
      ]
    }
  }
  dependsOn: [
    deadLetterContainer
  ]
}

// Who read, wrote and deleted audit blobs: the setting the diagnostic-settings remediator requires.
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

@description('Name of the audit storage account.')
output accountName string = account.name

@description('ARM id of the audit storage account (the dead-letter destination).')
output accountId string = account.id

@description('HIPAA_REMEDIATOR_AUDIT_CONTAINER_URL: the audit container\'s blob URL.')
output auditContainerUrl string = '${account.properties.primaryEndpoints.blob}${auditContainer.name}'

var tableEndpointWithSlash = account.properties.primaryEndpoints.table

@description('HIPAA_REMEDIATOR_MODES_TABLE_URL / _ALERTS_TABLE_URL: the table endpoint, without its trailing slash.')
output tableEndpoint string = endsWith(tableEndpointWithSlash, '/') ? substring(tableEndpointWithSlash, 0, length(tableEndpointWithSlash) - 1) : tableEndpointWithSlash
