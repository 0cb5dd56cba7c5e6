// A storage account of the system. The main one is shared by every part: message blobs, status tables, delivery
// queues, everything else the code keeps, and the Flex Consumption deployment package. With storageAccountPerShard
// (main.bicep) each further shard has one of its own holding only its messages' data (holdsSharedData = false): the
// messages container (with the same lifecycle rule), the messages table and the shard's queues (ShardAccounts in Core).
// Access is by Entra ID only (`allowSharedKeyAccess: false`).

@description('Account name (3-24 lower-case letters and digits).')
@minLength(3)
@maxLength(24)
param name string

@description('Region.')
param location string

@description('Tags for the resource.')
param tags object

@description('Replication, e.g. Standard_LRS or Standard_ZRS.')
param skuName string

@description('Days after which a message\'s MIME blob is deleted. Longer than the delivery queue lifetime (5 days), so a message is never deleted while a retry may still need it.')
@minValue(7)
param messageRetentionDays int

@description('The delivery queue shards whose queues this account holds (outbound, outbound-1, …, each with its poison queues): every shard in the main account without accounts per shard, else shard 0 there and shard n in its own.')
param queueShards int[]

@description('True for the main account: every table and queue of the code, and the deployment package. False for a shard\'s own account: only its messages container, messages table and queues.')
param holdsSharedData bool = true

@description('Container Flex Consumption deploys the function app package from (main account only).')
param deploymentContainerName string

@description('Log Analytics workspace that receives the account\'s transaction metrics and the blob, queue and table request logs.')
param workspaceId string

// The names the code uses (SmtpFunctions.Core.Storage.StorageNames and StorageShards); the infra tests keep these lists
// equal to it. Shard 0 is `outbound`, shard n `outbound-n`; the Functions host names poison queues `{queue}-poison`.
var shardQueueNames = map(queueShards, shard => shard == 0 ? 'outbound' : 'outbound-${shard}')
var queueNames = concat(flatten(map(shardQueueNames, q => [
  q
  '${q}-poison'
  '${q}-poison-poison'
])), holdsSharedData ? [
  'events'
  'events-poison'
  'events-poison-poison'
] : [])
var sharedTableNames = [
  'apikeys'
  'domains'
  'messages'
  'pacing'
  'ratelimits'
  'schedule'
  'suppressions'
  'webhookfailures'
  'webhooks'
]
// The message-scoped table (a shard's status rows and event intents) is all a shard's own account has.
var tableNames = holdsSharedData ? sharedTableNames : [
  'messages'
]
var containerNames = [
  'messages'
]

// Message MIME lives at messages/{id}/{token}.eml (StorageNames.MessagesContainer). Ids are random from their first
// character on (MessageIds), so the names spread over the container's key range instead of appending at its end; the
// rule matches old time-ordered ids and new ones alike, by the container prefix.
var messageBlobPrefix = 'messages/'

resource account 'Microsoft.Storage/storageAccounts@2025-01-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: skuName
  }
  properties: {
    accessTier: 'Hot'
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2025-01-01' = {
  parent: account
  name: 'default'
  properties: {
    // An accidental delete (a script, a person) stays recoverable for a week.
    deleteRetentionPolicy: {
      enabled: true
      days: 7
    }
    containerDeleteRetentionPolicy: {
      enabled: true
      days: 7
    }
  }
}

resource containers 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-01-01' = [
  for containerName in union(containerNames, holdsSharedData ? [deploymentContainerName] : []): {
    parent: blobService
    name: containerName
    properties: {
      publicAccess: 'None'
    }
  }
]

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2025-01-01' = {
  parent: account
  name: 'default'
}

resource queues 'Microsoft.Storage/storageAccounts/queueServices/queues@2025-01-01' = [
  for queueName in queueNames: {
    parent: queueService
    name: queueName
  }
]

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2025-01-01' = {
  parent: account
  name: 'default'
}

resource tables 'Microsoft.Storage/storageAccounts/tableServices/tables@2025-01-01' = [
  for tableName in tableNames: {
    parent: tableService
    name: tableName
  }
]

resource lifecycle 'Microsoft.Storage/storageAccounts/managementPolicies@2025-01-01' = {
  parent: account
  name: 'default'
  properties: {
    policy: {
      rules: [
        {
          name: 'delete-old-messages'
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: {
              blobTypes: [
                'blockBlob'
              ]
              prefixMatch: [
                messageBlobPrefix
              ]
            }
            actions: {
              baseBlob: {
                delete: {
                  daysAfterModificationGreaterThan: messageRetentionDays
                }
              }
            }
          }
        }
      ]
    }
  }
}

// Storage faults are what turns a submission into a 503 and a delivery into a retry: the request logs (StorageRead,
// StorageWrite, StorageDelete per service) say which call failed and why, the Transaction metric how often.
// The newest version of this type is a preview (see ingress.bicep).
#disable-next-line use-recent-api-versions
resource accountMetrics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: account
  properties: {
    workspaceId: workspaceId
    metrics: [
      {
        category: 'Transaction'
        enabled: true
      }
    ]
  }
}

#disable-next-line use-recent-api-versions
resource blobLogs 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: blobService
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

#disable-next-line use-recent-api-versions
resource queueLogs 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: queueService
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

#disable-next-line use-recent-api-versions
resource tableLogs 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: tableService
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

@description('Account name.')
output name string = account.name

@description('Blob endpoint, e.g. https://name.blob.core.windows.net/.')
output blobEndpoint string = account.properties.primaryEndpoints.blob

@description('Queue endpoint.')
output queueEndpoint string = account.properties.primaryEndpoints.queue

@description('Table endpoint.')
output tableEndpoint string = account.properties.primaryEndpoints.table

@description('Delivery queue of each shard this account holds.')
output shardQueues string[] = shardQueueNames

@description('Account resource id.')
output id string = account.id
