// The Event Grid system topic of the subscription it is deployed in (Microsoft.Resources.Subscriptions),
// with a system-assigned identity for dead-lettering; watchedSubscription.bicep deploys it in each
// watched subscription. Azure allows one system topic per source: when the subscription already
// has one, main.bicep's existingSystemTopicResourceId(s) deploy this module into its resource group
// with useExisting, and the topic is used as it is (it must have a system-assigned identity:
// az eventgrid system-topic update --identity systemassigned).

@description('Name of the system topic to create, or of the existing one when useExisting is true.')
param topicName string

@description('Use an existing system topic of this subscription (in this resource group) instead of creating one.')
param useExisting bool

@description('Tags applied to a created topic.')
param tags object

resource created 'Microsoft.EventGrid/systemTopics@2025-02-15' = if (!useExisting) {
  name: topicName
  location: 'global'
  tags: tags
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    source: subscription().id
    topicType: 'Microsoft.Resources.Subscriptions'
  }
}

resource existingTopic 'Microsoft.EventGrid/systemTopics@2025-02-15' existing = {
  name: topicName
}

@description('Name of the system topic.')
output topicName string = topicName

@description('Object id of the topic\'s identity (it writes dead letters).')
output principalId string = useExisting ? existingTopic.identity.principalId : created.identity.principalId
