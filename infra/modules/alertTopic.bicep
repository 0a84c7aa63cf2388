// The Event Grid custom topic the service publishes its alerts to (CloudEvents 1.0,
// `com.hipaa-remediator.finding.opened|resolved`), with Entra ID only: no access keys exist to
// leak. On-call routing is event subscriptions on this topic, made by the operator.

@description('Azure region of the topic.')
param location string

@description('Tags applied to the topic.')
param tags object

@description('Topic name.')
param topicName string

@description('Public network access of the topic. Disabled needs a private endpoint and VNet integration of the Function App, which this template does not create.')
@allowed([
  'Enabled'
  'Disabled'
])
param publicNetworkAccess string

resource topic 'Microsoft.EventGrid/topics@2025-02-15' = {
  name: topicName
  location: location
  tags: tags
  properties: {
    inputSchema: 'CloudEventSchemaV1_0'
    disableLocalAuth: true
    minimumTlsVersionAllowed: '1.2'
    publicNetworkAccess: publicNetworkAccess
  }
}

@description('Name of the alerts topic.')
output topicName string = topic.name

@description('ARM id of the alerts topic (the source of on-call event subscriptions).')
output topicId string = topic.id

@description('HIPAA_REMEDIATOR_ALERT_TOPIC_ENDPOINT: where the service publishes.')
output endpoint string = topic.properties.endpoint
