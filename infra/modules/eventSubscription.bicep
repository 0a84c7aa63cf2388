// ARM resource events of the subscription to the onResourceChange function: only the event types
// and the data.operationName prefixes the remediators handle (infra/event-filters.json, generated
// from the router's view of REMEDIATORS by `npm run gen:role`), retried, then dead-lettered with
// the topic's identity. Needs the function deployed first (Event Grid validates the endpoint).

@description('System topic of the subscription (in this resource group).')
param systemTopicName string

@description('Name of the event subscription.')
param subscriptionName string

@description('ARM id of the Function App; the destination is its onResourceChange function.')
param functionAppId string

@description('Delivery attempts before an event is dead-lettered (1-30).')
@minValue(1)
@maxValue(30)
param maxDeliveryAttempts int

@description('Minutes an event is retried before it is dead-lettered (1-1440).')
@minValue(1)
@maxValue(1440)
param eventTimeToLiveInMinutes int

@description('ARM id of the storage account holding the dead-letter container.')
param deadLetterAccountId string

@description('Dead-letter container.')
param deadLetterContainerName string

var filters = loadJsonContent('../event-filters.json')

resource systemTopic 'Microsoft.EventGrid/systemTopics@2025-02-15' existing = {
  name: systemTopicName
}

resource armEvents 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2025-02-15' = {
  parent: systemTopic
  name: subscriptionName
  properties: {
    destination: {
      endpointType: 'AzureFunction'
      properties: {
        resourceId: '${functionAppId}/functions/onResourceChange'
        maxEventsPerBatch: 1
        preferredBatchSizeInKilobytes: 64
      }
    }
    eventDeliverySchema: 'EventGridSchema'
    filter: {
      includedEventTypes: filters.includedEventTypes
      enableAdvancedFilteringOnArrays: false
      advancedFilters: [
        {
          operatorType: 'StringBeginsWith'
          key: 'data.operationName'
          values: filters.operationNamePrefixes
        }
      ]
    }
    retryPolicy: {
      maxDeliveryAttempts: maxDeliveryAttempts
      eventTimeToLiveInMinutes: eventTimeToLiveInMinutes
    }
    deadLetterWithResourceIdentity: {
      identity: {
        type: 'SystemAssigned'
      }
      deadLetterDestination: {
        endpointType: 'StorageBlob'
        properties: {
          resourceId: deadLetterAccountId
          blobContainerName: deadLetterContainerName
        }
      }
    }
  }
}

@description('Name of the event subscription.')
output subscriptionName string = armEvents.name
