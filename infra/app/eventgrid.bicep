// The optional Event Grid topic the function app publishes recipient events to (CloudEvents 1.0 schema, the format the
// code writes), with managed identity only: local auth (access keys, SAS) is off, and the function app's identity holds
// EventGrid Data Sender on this topic alone. Subscriptions to it (a webhook, a queue, a function) are the deployer's:
// docs/deploy.md shows one.

@description('Topic name.')
param name string

@description('Location.')
param location string

@description('Tags.')
param tags object

@description('Name of the function app\'s user-assigned identity, granted EventGrid Data Sender on the topic.')
param publisherIdentityName string

@description('Log Analytics workspace for the topic\'s delivery and publish failure logs.')
param workspaceId string

var eventGridDataSender = 'd5a91429-5739-47e2-a06b-3470a27159e7'

resource topic 'Microsoft.EventGrid/topics@2025-02-15' = {
  name: name
  location: location
  tags: tags
  properties: {
    inputSchema: 'CloudEventSchemaV1_0'
    disableLocalAuth: true
    publicNetworkAccess: 'Enabled'
  }
}

resource publisherIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' existing = {
  name: publisherIdentityName
}

// Named by the identity's resource id, known before deployment (as in rbac.bicep).
resource publisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(topic.id, publisherIdentity.id, eventGridDataSender)
  scope: topic
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', eventGridDataSender)
    principalId: publisherIdentity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

// The newest version of this type is a preview (see ingress.bicep).
#disable-next-line use-recent-api-versions
resource logs 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'topic-logs'
  scope: topic
  properties: {
    workspaceId: workspaceId
    logs: [
      {
        categoryGroup: 'allLogs'
        enabled: true
      }
    ]
  }
}

@description('The endpoint events are published to (Events:EventGridTopicEndpoint).')
output endpoint string = topic.properties.endpoint

@description('The topic\'s resource id, for event subscriptions.')
output id string = topic.id
