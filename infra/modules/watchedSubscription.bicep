// One watched subscription's ARM events to the service: its Event Grid system topic
// (Microsoft.Resources.Subscriptions, location global; Azure allows one per subscription) and the
// filtered event subscription to onResourceChange, dead-lettered to the audit account of the home
// subscription with the topic's identity. main.bicep deploys it once per watched subscription
// (`scope: subscription(sub)`), the home subscription being one of them; infra/policy/ does the
// same for subscriptions created later under a management group.
targetScope = 'subscription'

@description('Resource group of the system topic: the service\'s own group in the home subscription, a group of its own elsewhere.')
param resourceGroupName string

@description('Create the resource group (false where it already exists: the home subscription\'s is created by main.bicep).')
param createResourceGroup bool

@description('Region of a created resource group (the topic itself is global).')
param location string

@description('Tags applied to a created resource group and topic.')
param tags object

@description('ARM id of an existing Event Grid system topic of this subscription (it must have a system-assigned identity). Empty: create one in resourceGroupName.')
param existingSystemTopicResourceId string

@description('Create the event subscription (the function code must be deployed: Event Grid validates the endpoint).')
param subscribeToResourceEvents bool

@description('Name of the event subscription.')
param eventSubscriptionName string

@description('ARM id of the Function App (in the home subscription); the destination is its onResourceChange function.')
param functionAppId string

@description('Delivery attempts before an event is dead-lettered (1-30).')
@minValue(1)
@maxValue(30)
param maxDeliveryAttempts int

@description('Minutes an event is retried before it is dead-lettered (1-1440).')
@minValue(1)
@maxValue(1440)
param eventTimeToLiveInMinutes int

@description('ARM id of the audit storage account (home subscription) holding the dead-letter container.')
param deadLetterAccountId string

@description('Dead-letter container.')
param deadLetterContainerName string

var useExistingTopic = !empty(existingSystemTopicResourceId)
var topicResourceGroupName = useExistingTopic ? split(existingSystemTopicResourceId, '/')[4] : resourceGroupName
// For the home subscription this is the name the single-subscription template used
// (uniqueString(subscription, service resource group)): a redeployment updates the same topic.
var topicName = useExistingTopic ? last(split(existingSystemTopicResourceId, '/')) : 'evgst-hipaa-${uniqueString(subscription().subscriptionId, resourceGroupName)}'
var deadLetterParts = split(deadLetterAccountId, '/')

resource eventsGroup 'Microsoft.Resources/resourceGroups@2024-03-01' = if (createResourceGroup && !useExistingTopic) {
  name: resourceGroupName
  location: location
  tags: tags
}

module systemTopic 'systemTopic.bicep' = {
  name: 'hipaa-system-topic'
  scope: resourceGroup(topicResourceGroupName)
  params: {
    topicName: topicName
    useExisting: useExistingTopic
    tags: tags
  }
  dependsOn: [
    eventsGroup
  ]
}

// In the home subscription's service resource group, next to the container: one assignment per topic.
module deadLetterAccess 'deadLetterAccess.bicep' = {
  name: 'hipaa-dead-letter-${subscription().subscriptionId}'
  scope: resourceGroup(deadLetterParts[2], deadLetterParts[4])
  params: {
    principalId: systemTopic.outputs.principalId
    accountName: last(deadLetterParts)
    containerName: deadLetterContainerName
  }
}

module eventSubscription 'eventSubscription.bicep' = if (subscribeToResourceEvents) {
  name: 'hipaa-event-subscription'
  scope: resourceGroup(topicResourceGroupName)
  params: {
    systemTopicName: systemTopic.outputs.topicName
    subscriptionName: eventSubscriptionName
    functionAppId: functionAppId
    maxDeliveryAttempts: maxDeliveryAttempts
    eventTimeToLiveInMinutes: eventTimeToLiveInMinutes
    deadLetterAccountId: deadLetterAccountId
    deadLetterContainerName: deadLetterContainerName
  }
  dependsOn: [
    deadLetterAccess
  ]
}

@description('Resource group of the system topic.')
output topicResourceGroupName string = topicResourceGroupName

@description('Name of the system topic.')
output topicName string = systemTopic.outputs.topicName

@description('Object id of the topic\'s identity (Storage Blob Data Contributor on the dead-letter container).')
output topicPrincipalId string = systemTopic.outputs.principalId
