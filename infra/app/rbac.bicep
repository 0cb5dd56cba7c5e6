// Every role assignment of the deployment, in one place: the function app's identity, the ingress's own (narrower)
// one, and optionally the deploying user. Names are guid(scope, principal, role) with values known
// before deployment (resource ids, the user's principal id parameter): deterministic, so a redeployment finds the
// same assignment instead of failing on a duplicate.

@description('Storage account name.')
param storageAccountName string

@description('Key Vault name.')
param keyVaultName string

@description('Key Vault holding only the registered sending domains\' DKIM private keys.')
param domainKeyVaultName string

@description('Application Insights name.')
param applicationInsightsName string

@description('Container registry name.')
param registryName string

@description('Delivery queue of each shard (Storage:Shards), shard 0 first: the ingress may send to each.')
param shardQueueNames string[]

@description('Name of the function app\'s user-assigned identity.')
param identityName string

@description('Name of the SMTP ingress\'s own user-assigned identity.')
param ingressIdentityName string

@description('True once the ingress\'s certificate and users secrets exist in Key Vault: each secret is granted on its own, and a grant needs its secret.')
param ingressEnabled bool

@description('Key Vault secret with the ingress\'s TLS certificate.')
param ingressCertificateSecretName string

@description('Key Vault secret with the SMTP users file.')
param ingressUsersSecretName string

@description('Other Key Vault secrets the ingress reads (its DKIM keys, its Key Vault-backed settings); they must exist.')
param ingressSecretNames string[]

@description('Optional: the deploying user (or CI principal), granted data access for local debugging against these resources and for uploading secrets. Empty: no assignment.')
param userPrincipalId string

@description('Type of userPrincipalId.')
@allowed([
  'User'
  'ServicePrincipal'
  'Group'
])
param userPrincipalType string

// Built-in role definition ids (the same in every tenant).
var roles = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  storageQueueDataMessageSender: 'c6a89b2d-59bc-44d0-9896-0f6e12d7b80a'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  storageTableDataReader: '76199698-9eea-4c19-bc75-cec21354c6b6'
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
  keyVaultSecretsOfficer: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'
  keyVaultCertificatesOfficer: 'a4417e6f-fecd-4de8-b567-7b0420556985'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
  acrPull: '7f951dda-4ed3-4680-a7ca-43fe172d538d'
}

// Blob Data Owner rather than Contributor: the Functions host manages blob leases and the Flex deployment package.
var storageRoles = [
  roles.storageBlobDataOwner
  roles.storageQueueDataContributor
  roles.storageTableDataContributor
]

var grantUser = !empty(userPrincipalId)

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' existing = {
  name: identityName
}

// The identity is named by its resource id in guid(): known before deployment, unlike its principal id.
var identityPrincipalId = identity.properties.principalId

resource storage 'Microsoft.Storage/storageAccounts@2025-01-01' existing = {
  name: storageAccountName
}

resource vault 'Microsoft.KeyVault/vaults@2026-05-15' existing = {
  name: keyVaultName
}

resource domainKeyVault 'Microsoft.KeyVault/vaults@2026-05-15' existing = {
  name: domainKeyVaultName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource registry 'Microsoft.ContainerRegistry/registries@2025-04-01' existing = {
  name: registryName
}

// ---- The function app (delivery, the HTTP door): the whole account, every secret.

resource appStorage 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for role in storageRoles: {
    name: guid(storage.id, identity.id, role)
    scope: storage
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role)
      principalId: identityPrincipalId
      principalType: 'ServicePrincipal'
    }
  }
]

// Reads its Key Vault references (smart-host password and the like); sending domains' keys are in the domain key vault.
resource appSecrets 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, identity.id, roles.keyVaultSecretsUser)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Registering a sending domain writes its keys here; deleting it deletes them.
resource appDomainKeys 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(domainKeyVault.id, identity.id, roles.keyVaultSecretsOfficer)
  scope: domainKeyVault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsOfficer)
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource appTelemetry 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(applicationInsights.id, identity.id, roles.monitoringMetricsPublisher)
  scope: applicationInsights
  properties: {
    roleDefinitionId: subscriptionResourceId(
      'Microsoft.Authorization/roleDefinitions',
      roles.monitoringMetricsPublisher
    )
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource appImagePull 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(registry.id, identity.id, roles.acrPull)
  scope: registry
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.acrPull)
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// ---- The SMTP ingress: internet-facing, so it holds only what submission does. It writes the message blob (and deletes
// it when a commit loses a race), sends delivery jobs, writes and reads the status rows, reads the suppression list,
// and reads its own secrets: never the function app's (the smart-host password), never the whole account.

resource ingressIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' existing = {
  name: ingressIdentityName
}

var ingressPrincipalId = ingressIdentity.properties.principalId

// The names the code uses (SmtpFunctions.Core.Storage.StorageNames); the infra tests check these scopes against it.
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

resource outboundQueues 'Microsoft.Storage/storageAccounts/queueServices/queues@2025-01-01' existing = [
  for queueName in shardQueueNames: {
    parent: queueService
    name: queueName
  }
]

// Submission queues each message's accepted events beside its jobs, so the ingress sends there too.
resource eventsQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2025-01-01' existing = {
  parent: queueService
  name: 'events'
}

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2025-01-01' existing = {
  parent: storage
  name: 'default'
}

resource messagesTable 'Microsoft.Storage/storageAccounts/tableServices/tables@2025-01-01' existing = {
  parent: tableService
  name: 'messages'
}

resource suppressionsTable 'Microsoft.Storage/storageAccounts/tableServices/tables@2025-01-01' existing = {
  parent: tableService
  name: 'suppressions'
}

// Submission files each message in the sweeper's due-time index by a blob index tag that its MIME's upload sets. Blob
// Data Contributor does not include setting tags, and Owner gives far more than the ingress needs: this role gives that
// one data action, and only the messages container is granted it.
resource blobIndexTagWriter 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(resourceGroup().id, 'smtpfunctions-blob-index-tag-writer')
  properties: {
    roleName: 'SmtpFunctions blob index tag writer ${uniqueString(resourceGroup().id)}'
    description: 'Sets blob index tags: the SMTP ingress files each message it stores in the sweeper\'s index.'
    type: 'CustomRole'
    permissions: [
      {
        actions: []
        notActions: []
        dataActions: [
          'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/tags/write'
        ]
        notDataActions: []
      }
    ]
    assignableScopes: [
      resourceGroup().id
    ]
  }
}

resource ingressBlobTags 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(messagesContainer.id, ingressIdentity.id, blobIndexTagWriter.id)
  scope: messagesContainer
  properties: {
    roleDefinitionId: blobIndexTagWriter.id
    principalId: ingressPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource ingressBlobs 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(messagesContainer.id, ingressIdentity.id, roles.storageBlobDataContributor)
  scope: messagesContainer
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataContributor)
    principalId: ingressPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Jobs go to their message's shard, so the ingress sends to every shard's queue (and to no poison queue).
resource ingressJobs 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for (queueName, i) in shardQueueNames: {
    name: guid(outboundQueues[i].id, ingressIdentity.id, roles.storageQueueDataMessageSender)
    scope: outboundQueues[i]
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageQueueDataMessageSender)
      principalId: ingressPrincipalId
      principalType: 'ServicePrincipal'
    }
  }
]

resource ingressEvents 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(eventsQueue.id, ingressIdentity.id, roles.storageQueueDataMessageSender)
  scope: eventsQueue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageQueueDataMessageSender)
    principalId: ingressPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource ingressStatus 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(messagesTable.id, ingressIdentity.id, roles.storageTableDataContributor)
  scope: messagesTable
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageTableDataContributor)
    principalId: ingressPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource ingressSuppressions 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(suppressionsTable.id, ingressIdentity.id, roles.storageTableDataReader)
  scope: suppressionsTable
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageTableDataReader)
    principalId: ingressPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// One grant per secret (Key Vault RBAC scopes a role to a single secret); the certificate and users file only once
// they exist, which is what ingressEnabled says.
var ingressVaultSecrets = union(ingressEnabled ? [ingressCertificateSecretName, ingressUsersSecretName] : [], ingressSecretNames)

resource ingressVaultSecret 'Microsoft.KeyVault/vaults/secrets@2026-05-15' existing = [
  for secretName in ingressVaultSecrets: {
    parent: vault
    name: secretName
  }
]

resource ingressSecrets 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for (secretName, i) in ingressVaultSecrets: {
    name: guid(ingressVaultSecret[i].id, ingressIdentity.id, roles.keyVaultSecretsUser)
    scope: ingressVaultSecret[i]
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
      principalId: ingressPrincipalId
      principalType: 'ServicePrincipal'
    }
  }
]

// The ingress signs its tenants' mail with their domains' keys: read-only on the vault that holds nothing else.
resource ingressDomainKeys 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(domainKeyVault.id, ingressIdentity.id, roles.keyVaultSecretsUser)
  scope: domainKeyVault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
    principalId: ingressPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource ingressTelemetry 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(applicationInsights.id, ingressIdentity.id, roles.monitoringMetricsPublisher)
  scope: applicationInsights
  properties: {
    roleDefinitionId: subscriptionResourceId(
      'Microsoft.Authorization/roleDefinitions',
      roles.monitoringMetricsPublisher
    )
    principalId: ingressPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource ingressImagePull 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(registry.id, ingressIdentity.id, roles.acrPull)
  scope: registry
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.acrPull)
    principalId: ingressPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// ---- The deploying user (optional).

resource userStorage 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for role in storageRoles: if (grantUser) {
    name: guid(storage.id, userPrincipalId, role)
    scope: storage
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role)
      principalId: userPrincipalId
      principalType: userPrincipalType
    }
  }
]

// Officer roles: the deploying user uploads the certificate, the users file and DKIM keys (docs/deploy.md).
resource userVault 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for role in [roles.keyVaultSecretsOfficer, roles.keyVaultCertificatesOfficer]: if (grantUser) {
    name: guid(vault.id, userPrincipalId, role)
    scope: vault
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role)
      principalId: userPrincipalId
      principalType: userPrincipalType
    }
  }
]

resource userTelemetry 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (grantUser) {
  name: guid(applicationInsights.id, userPrincipalId, roles.monitoringMetricsPublisher)
  scope: applicationInsights
  properties: {
    roleDefinitionId: subscriptionResourceId(
      'Microsoft.Authorization/roleDefinitions',
      roles.monitoringMetricsPublisher
    )
    principalId: userPrincipalId
    principalType: userPrincipalType
  }
}
