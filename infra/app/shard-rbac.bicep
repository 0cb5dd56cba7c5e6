// The role assignments in a shard's own storage account (storageAccountPerShard in main.bicep): the same grants the
// main account's message data has in rbac.bicep, scoped alike. The function app's identity gets the whole account (it
// delivers, sweeps and reads the status there); the ingress only what submission does with a message of this shard
// (write its blob and index tag, write and read its status rows, send its jobs); the deploying user, if named, the
// account as on the main one. Names are guid(scope, principal, role), known before deployment.

@description('The shard\'s storage account.')
param storageAccountName string

@description('The shard\'s delivery queue (outbound-n).')
param queueName string

@description('Name of the function app\'s user-assigned identity.')
param identityName string

@description('Name of the SMTP ingress\'s own user-assigned identity.')
param ingressIdentityName string

@description('Optional: the deploying user. Empty: no assignment.')
param userPrincipalId string

@description('Type of userPrincipalId.')
@allowed([
  'User'
  'ServicePrincipal'
  'Group'
])
param userPrincipalType string

var roles = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  storageQueueDataMessageSender: 'c6a89b2d-59bc-44d0-9896-0f6e12d7b80a'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
}

var storageRoles = [
  roles.storageBlobDataOwner
  roles.storageQueueDataContributor
  roles.storageTableDataContributor
]

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' existing = {
  name: identityName
}

resource ingressIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' existing = {
  name: ingressIdentityName
}

// The custom role rbac.bicep defines (same name, same resource group): the ingress sets the filing tag on its uploads.
resource blobIndexTagWriter 'Microsoft.Authorization/roleDefinitions@2022-04-01' existing = {
  name: guid(resourceGroup().id, 'smtpfunctions-blob-index-tag-writer')
}

resource storage 'Microsoft.Storage/storageAccounts@2025-01-01' existing = {
  name: storageAccountName
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2025-01-01' existing = {
  parent: storage
  name: 'default'
}

resource messagesContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-01-01' existing = {
  parent: blobService
  name: 'messages'
}

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2025-01-01' existing = {
  parent: storage
  name: 'default'
}

resource outboundQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2025-01-01' existing = {
  parent: queueService
  name: queueName
}

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2025-01-01' existing = {
  parent: storage
  name: 'default'
}

resource messagesTable 'Microsoft.Storage/storageAccounts/tableServices/tables@2025-01-01' existing = {
  parent: tableService
  name: 'messages'
}

resource appStorage 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for role in storageRoles: {
    name: guid(storage.id, identity.id, role)
    scope: storage
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role)
      principalId: identity.properties.principalId
      principalType: 'ServicePrincipal'
    }
  }
]

resource ingressBlobTags 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(messagesContainer.id, ingressIdentity.id, blobIndexTagWriter.id)
  scope: messagesContainer
  properties: {
    roleDefinitionId: blobIndexTagWriter.id
    principalId: ingressIdentity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource ingressBlobs 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(messagesContainer.id, ingressIdentity.id, roles.storageBlobDataContributor)
  scope: messagesContainer
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataContributor)
    principalId: ingressIdentity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource ingressJobs 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(outboundQueue.id, ingressIdentity.id, roles.storageQueueDataMessageSender)
  scope: outboundQueue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageQueueDataMessageSender)
    principalId: ingressIdentity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource ingressStatus 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(messagesTable.id, ingressIdentity.id, roles.storageTableDataContributor)
  scope: messagesTable
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageTableDataContributor)
    principalId: ingressIdentity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource userStorage 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for role in storageRoles: if (!empty(userPrincipalId)) {
    name: guid(storage.id, userPrincipalId, role)
    scope: storage
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role)
      principalId: userPrincipalId
      principalType: userPrincipalType
    }
  }
]
