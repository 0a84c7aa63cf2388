// The system topic's identity may write dead letters to one container of the audit account,
// nothing more (the account's shared keys are disabled, so identity is the only way in).

@description('Object id of the system topic\'s identity.')
param principalId string

@description('Audit storage account holding the dead-letter container.')
param accountName string

@description('Dead-letter container.')
param containerName string

var storageBlobDataContributor = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'

resource container 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-08-01' existing = {
  name: '${accountName}/default/${containerName}'
}

resource deadLetterWriter 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: container
  name: guid(container.id, principalId, storageBlobDataContributor)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataContributor)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'hipaa-remediator: Event Grid dead letters (this container only)'
  }
}
