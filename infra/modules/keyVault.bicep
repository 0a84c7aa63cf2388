// Key Vault with the EC P-256 key that signs the audit chain's heads (ES256). The key never
// leaves the vault: the service may sign and read the public part (Key Vault Crypto User on this
// key only), nothing else.

@description('Azure region of the vault.')
param location string

@description('Tags applied to every resource of this module.')
param tags object

@description('Vault name (3-24 letters, digits and hyphens, globally unique; reserved for the soft-delete retention after deletion).')
@minLength(3)
@maxLength(24)
param vaultName string

@description('standard (software-protected EC key) or premium (HSM-protected EC-HSM key).')
@allowed([
  'standard'
  'premium'
])
param skuName string

@description('Public network access of the vault. Disabled needs a private endpoint and VNet integration of the Function App, which this template does not create: the service could then not sign audit heads.')
@allowed([
  'Enabled'
  'Disabled'
])
param publicNetworkAccess string

@description('Name of the signing key.')
param keyName string

@description('ISO 8601 duration after a version\'s creation at which Key Vault rotates the key (a new version).')
param rotateAfter string

@description('ISO 8601 duration after which a version expires (the rotation policy\'s expiryTime; the first version gets it too).')
param expiresAfter string

@description('ISO 8601 duration before expiry at which Key Vault raises KeyNearExpiry (Event Grid).')
param notifyBefore string

@description('Log Analytics workspace the vault\'s AuditEvent logs go to.')
param workspaceId string

@description('Name of the diagnostic setting the diagnostic-settings remediator looks for (policy.diagnosticSettings.name).')
param diagnosticSettingName string

@description('Deployment time; only the first version\'s expiry is computed from it (ARM never updates an existing key).')
param now string = utcNow()

resource vault 'Microsoft.KeyVault/vaults@2025-05-01' = {
  name: vaultName
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: skuName
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    // Irreversible: a deleted vault (and its key) stays recoverable for the 90 days.
    enablePurgeProtection: true
    enabledForDeployment: false
    enabledForDiskEncryption: false
    enabledForTemplateDeployment: false
    publicNetworkAccess: publicNetworkAccess
    networkAcls: {
      defaultAction: publicNetworkAccess == 'Enabled' ? 'Allow' : 'Deny'
      bypass: 'AzureServices'
    }
  }
}

// ARM creates the first version only; a redeployment returns the existing key unchanged.
resource signingKey 'Microsoft.KeyVault/vaults/keys@2025-05-01' = {
  parent: vault
  name: keyName
  tags: tags
  properties: {
    kty: skuName == 'premium' ? 'EC-HSM' : 'EC'
    curveName: 'P-256'
    keyOps: [
      'sign'
      'verify'
    ]
    attributes: {
      enabled: true
      exp: dateTimeToEpoch(dateTimeAdd(now, expiresAfter))
    }
    rotationPolicy: {
      attributes: {
        expiryTime: expiresAfter
      }
      lifetimeActions: [
        {
          trigger: {
            timeAfterCreate: rotateAfter
          }
          action: {
            type: 'rotate'
          }
        }
        {
          trigger: {
            timeBeforeExpiry: notifyBefore
          }
          action: {
            type: 'notify'
          }
        }
      ]
    }
  }
}

resource vaultDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  scope: vault
  name: diagnosticSettingName
  properties: {
    workspaceId: workspaceId
    // Resource-specific table AZKVAuditLogs rather than AzureDiagnostics.
    logAnalyticsDestinationType: 'Dedicated'
    logs: [
      {
        category: 'AuditEvent'
        enabled: true
      }
    ]
  }
}

@description('Name of the vault.')
output vaultName string = vault.name

@description('HIPAA_REMEDIATOR_AUDIT_KEY_ID: the signing key\'s id with its version (a key identifier, no key material).')
output auditKeyId string = signingKey.properties.keyUriWithVersion
