// One role assignment on the subscription it is deployed to (managementGroupRole.bicep: the
// data-action role, which Azure assigns on subscriptions but not on management groups).
targetScope = 'subscription'

@description('Object id of the Function App\'s managed identity.')
param principalId string

@description('ARM id of the role definition to assign.')
param roleDefinitionId string

@description('Why the assignment exists (shown in the portal).')
param assignmentDescription string

resource assignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(subscription().id, principalId, roleDefinitionId)
  properties: {
    roleDefinitionId: roleDefinitionId
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: assignmentDescription
  }
}
