// A user-assigned identity for the system topics infra/policy/deploy-event-subscription.json
// creates in subscriptions added later: the policy's deployments cannot grant a new topic's own
// identity access to the audit account (that takes a role assignment in the home subscription), so
// those topics dead-letter with this one, which main.bicep allows to write the dead-letter
// container and nothing else. It holds no secret; assigning it to a topic takes
// Managed Identity Operator on it (infra/README.md).

@description('Region of the identity.')
param location string

@description('Tags applied to the identity.')
param tags object

@description('Name of the user-assigned identity.')
param identityName string

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: identityName
  location: location
  tags: tags
}

@description('ARM id of the identity (the policy assignment\'s deadLetterIdentityId).')
output identityId string = identity.id

@description('Object id of the identity.')
output principalId string = identity.properties.principalId
