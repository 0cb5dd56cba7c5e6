// SmtpFunctions in Azure: one resource group with storage, the function app (Flex Consumption), the SMTP ingress
// (Container Apps), Key Vault, monitoring (workbook + alerts), the registry azd pushes the ingress image to, and
// the role assignments that let the two managed identities (the function app's, and the ingress's own, narrower one)
// reach what each needs. Deploy with `azd up`, or without azd:
//   az deployment sub create --location <region> --template-file infra/main.bicep \
//     --parameters environmentName=<name> location=<region>
// (docs/deploy.md has the whole procedure.)

targetScope = 'subscription'

import { optionDefaults, ingressSections, ingressOnlySections, dkimKey } from 'app/options.bicep'

@description('Name of the environment (azd env name); names and tags of every resource derive from it.')
@minLength(1)
@maxLength(64)
param environmentName string

@description('Region of the resource group and its resources (a region that offers Flex Consumption).')
@minLength(1)
param location string

@description('Optional: principal id of the deploying user (azd fills it in), granted data access for local debugging and for uploading secrets to Key Vault.')
param principalId string = ''

@description('Type of principalId.')
@allowed([
  'User'
  'ServicePrincipal'
  'Group'
])
param principalType string = 'User'

// ---- Function app

@description('Function app: most instances it scales out to.')
@minValue(1)
@maxValue(1000)
param functionMaximumInstanceCount int = 100

@description('Function app: memory per instance in MB.')
@allowed([
  512
  2048
  4096
])
param functionInstanceMemoryMB int = 2048

@description('Function app: concurrent HTTP requests per instance before another instance is added.')
@minValue(1)
@maxValue(1000)
param functionHttpPerInstanceConcurrency int = 16

// ---- Mail-system options

@description('Options by configuration key (Section__Property) to value, over the defaults in app/options.bicep, e.g. { "Submission__MaxRecipients": "20" }. Keys of per-key collections (e.g. Pacing__Domains__example.com__MaxConcurrentSessions) go here too.')
param mailOptions object = {}

@description('Settings whose value is a Key Vault secret: configuration key to secret name, e.g. { "Delivery__SmartHost__Password": "smarthost-password" }. The secret is created in the vault by you, never passed here.')
param keyVaultReferences object = {}

@description('DKIM signing keys: domain, selector and the name of the Key Vault secret holding the PEM private key.')
param dkimKeys dkimKey[] = []

// ---- Events

@description('Events: also publish every recipient event to an Event Grid topic (CloudEvents 1.0 schema) created here, with the function app\'s identity as its only publisher. The topic\'s endpoint is an output; subscribe to it as docs/deploy.md shows.')
param eventGridEnabled bool = false

// ---- Ingress

@description('Ingress: true once the certificate and users secrets exist in Key Vault (docs/deploy.md). Until then the container app exists with no replicas.')
param ingressEnabled bool = false

@description('Ingress: image to run (azd fills it in after the first deploy); empty runs a placeholder.')
param ingressImage string = ''

@description('Ingress: Key Vault secret holding the TLS certificate (import the certificate under this name).')
param ingressCertificateSecretName string = 'ingress-tls'

@description('Ingress: Key Vault secret holding the SMTP users file.')
param ingressUsersSecretName string = 'smtp-users'

@description('Ingress: fewest replicas while enabled.')
@minValue(1)
@maxValue(30)
param ingressMinReplicas int = 1

@description('Ingress: most replicas.')
@minValue(1)
@maxValue(300)
param ingressMaxReplicas int = 3

@description('Ingress: concurrent SMTP connections per replica before another replica is added.')
@minValue(1)
param ingressConcurrentConnections int = 100

@description('Ingress: CPU cores per replica (Consumption profile: 0.25 to 4, with memory 2 GiB per core).')
param ingressCpu string = '0.5'

@description('Ingress: memory per replica.')
param ingressMemory string = '1Gi'

@description('Address space of the ingress VNet.')
param vnetAddressPrefix string = '10.60.0.0/16'

@description('Subnet of the Container Apps environment, inside vnetAddressPrefix.')
param containerAppsSubnetPrefix string = '10.60.0.0/23'

// ---- Storage and monitoring

@description('Storage replication.')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
  'Standard_GZRS'
])
param storageSku string = 'Standard_LRS'

@description('Days a message\'s MIME blob and its status rows (its idempotency record too) are kept (at least 7: longer than the 5-day delivery lifetime). Storage:Retention follows it.')
@minValue(7)
param messageRetentionDays int = 30

@description('Delivery queue shards (Storage:Shards, 1–8): one queue serves about 2,000 messages/s, see docs/scale.md. Default 1 (`outbound` alone).')
@minValue(1)
@maxValue(8)
param storageShards int = 1

@description('A storage account per delivery shard: shard n ≥ 1 keeps its messages\' blobs, status rows and queues in an account of its own (Shard{n}Storage), so each shard gets an account\'s 20,000 requests/s (docs/scale.md). Off: every shard in the main account, as before.')
param storageAccountPerShard bool = false

@description('Days logs and telemetry are kept.')
@minValue(30)
@maxValue(730)
param logRetentionDays int = 30

@description('Optional e-mail address for alerts.')
param alertEmail string = ''

@description('Alert when more than this percent of delivery outcomes in an hour are failures.')
@minValue(1)
@maxValue(100)
param failureRateThresholdPercent int = 10

@description('Fewest delivery outcomes in an hour before the failure rate is judged.')
@minValue(1)
param failureRateMinimumAttempts int = 20

@description('Alert when more function executions than this fail in 15 minutes.')
@minValue(0)
param functionErrorThreshold int = 0

@description('Alert when ingress replicas restart more than this often in 15 minutes.')
@minValue(0)
param ingressRestartThreshold int = 2

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
  application: 'smtpfunctions'
}
var names = {
  resourceGroup: 'rg-${environmentName}'
  identity: 'id-smtp-${resourceToken}'
  ingressIdentity: 'id-smtp-ingress-${resourceToken}'
  storage: 'stsmtp${resourceToken}'
  keyVault: 'kv-smtp-${resourceToken}'
  domainKeyVault: 'kv-dkim-${resourceToken}'
  workspace: 'log-smtp-${resourceToken}'
  applicationInsights: 'appi-smtp-${resourceToken}'
  plan: 'plan-smtp-${resourceToken}'
  functionApp: 'func-smtp-${resourceToken}'
  vnet: 'vnet-smtp-${resourceToken}'
  registry: 'crsmtp${resourceToken}'
  containerAppsEnvironment: 'cae-smtp-${resourceToken}'
  ingress: 'ca-smtp-ingress-${resourceToken}'
  deploymentContainer: 'app-package-${resourceToken}'
  eventGridTopic: 'evgt-smtp-${resourceToken}'
}

// Options for each host: the code's defaults, then the deployment's overrides; sections split as the code binds them.
// Storage:Shards and Storage:Retention follow the parameters that size the queues and the blob lifecycle rule, so the
// code, the queues and the rule cannot disagree.
var allOptions = union(optionDefaults, mailOptions, {
  Storage__Shards: string(storageShards)
  Storage__Retention: '${messageRetentionDays}.00:00:00'
})
var functionAppOptions = toObject(
  filter(items(allOptions), o => !contains(ingressOnlySections, split(o.key, '__')[0])),
  o => o.key,
  o => string(o.value)
)
var ingressOptions = toObject(
  filter(items(allOptions), o => contains(ingressSections, split(o.key, '__')[0])),
  o => o.key,
  o => string(o.value)
)
var ingressKeyVaultReferences = toObject(
  filter(items(keyVaultReferences), s => contains(ingressSections, split(s.key, '__')[0])),
  s => s.key,
  s => s.value
)
var functionKeyVaultReferences = toObject(
  filter(items(keyVaultReferences), s => !contains(ingressOnlySections, split(s.key, '__')[0])),
  s => s.key,
  s => s.value
)

// The account of each shard, 0 to 7: its own (names.storage + 's' + n) for shards 1 … storageShards - 1 with
// storageAccountPerShard, else the main one. Every Shard{n}Storage is set either way: the function app's shard triggers
// bind through it (a disabled trigger needs its connection to be indexed), and Core takes one naming the main account's
// endpoints as the main account.
var shardsWithOwnAccount = storageAccountPerShard ? range(1, storageShards - 1) : []
var shardAccountNames = map(range(0, 8), shard => contains(shardsWithOwnAccount, shard) ? '${names.storage}s${shard}' : names.storage)

// Shard{n}Storage for shards 1–7 (SmtpFunctions.Core.Storage.ShardAccounts.ConnectionName), in the identity form of
// AzureWebJobsStorage; the endpoints follow from the account names, so they are known before deployment.
func shardStorageSettingsFor(clientId string, accountNames string[], suffix string) object => reduce(range(1, 7), {}, (settings, shard) => union(settings, {
  'Shard${shard}Storage__blobServiceUri': 'https://${accountNames[shard]}.blob.${suffix}/'
  'Shard${shard}Storage__queueServiceUri': 'https://${accountNames[shard]}.queue.${suffix}/'
  'Shard${shard}Storage__tableServiceUri': 'https://${accountNames[shard]}.table.${suffix}/'
  'Shard${shard}Storage__credential': 'managedidentity'
  'Shard${shard}Storage__clientId': clientId
}))

// How both hosts reach storage and Application Insights: as their own managed identity, never with a key. The storage
// prefix is StorageNames.Connection (what the Functions host's triggers and Core's StorageAccount read).
func platformSettingsFor(clientId string, blob string, queue string, table string, telemetry string, vault string) object => {
  AzureWebJobsStorage__blobServiceUri: blob
  AzureWebJobsStorage__queueServiceUri: queue
  AzureWebJobsStorage__tableServiceUri: table
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: clientId
  APPLICATIONINSIGHTS_CONNECTION_STRING: telemetry
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD;ClientId=${clientId}'
  // Registered sending domains' DKIM private keys (SmtpFunctions.Core.Domains.KeyVaultSecretStore), in their own vault.
  Domains__KeyVaultUri: vault
  Domains__ManagedIdentityClientId: clientId
}

var platformSettings = union(platformSettingsFor(
  identity.outputs.clientId,
  storage.outputs.blobEndpoint,
  storage.outputs.queueEndpoint,
  storage.outputs.tableEndpoint,
  monitoring.outputs.connectionString,
  domainKeyVault.outputs.uri
), shardStorageSettingsFor(identity.outputs.clientId, shardAccountNames, environment().suffixes.storage))

var ingressPlatformSettings = union(platformSettingsFor(
  ingressIdentity.outputs.clientId,
  storage.outputs.blobEndpoint,
  storage.outputs.queueEndpoint,
  storage.outputs.tableEndpoint,
  monitoring.outputs.connectionString,
  domainKeyVault.outputs.uri
), shardStorageSettingsFor(ingressIdentity.outputs.clientId, shardAccountNames, environment().suffixes.storage))

// Key Vault secrets the ingress reads besides its certificate and users file: its DKIM keys and its Key Vault-backed
// settings (never the function app's, such as the smart-host password). Granted to it one by one.
var ingressSecretNames = union(map(dkimKeys, key => key.secretName), map(items(ingressKeyVaultReferences), setting => setting.value))

resource rg 'Microsoft.Resources/resourceGroups@2025-04-01' = {
  name: names.resourceGroup
  location: location
  tags: tags
}

module identity 'app/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: names.identity
    location: location
    tags: tags
  }
}

// The internet-facing ingress's own identity, so that it holds only what submission needs (rbac.bicep).
module ingressIdentity 'app/identity.bicep' = {
  name: 'ingress-identity'
  scope: rg
  params: {
    name: names.ingressIdentity
    location: location
    tags: tags
  }
}

module storage 'app/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: names.storage
    location: location
    tags: tags
    skuName: storageSku
    messageRetentionDays: messageRetentionDays
    queueShards: filter(range(0, storageShards), shard => !contains(shardsWithOwnAccount, shard))
    deploymentContainerName: names.deploymentContainer
    workspaceId: monitoring.outputs.workspaceId
  }
}

// A shard's own account (storageAccountPerShard): its messages container, messages table and queues only.
module shardStorage 'app/storage.bicep' = [
  for shard in shardsWithOwnAccount: {
    name: 'storage-shard-${shard}'
    scope: rg
    params: {
      name: shardAccountNames[shard]
      location: location
      tags: tags
      skuName: storageSku
      messageRetentionDays: messageRetentionDays
      queueShards: [shard]
      holdsSharedData: false
      deploymentContainerName: names.deploymentContainer
      workspaceId: monitoring.outputs.workspaceId
    }
  }
]

module monitoring 'app/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    workspaceName: names.workspace
    applicationInsightsName: names.applicationInsights
    location: location
    tags: tags
    retentionInDays: logRetentionDays
  }
}

module keyVault 'app/keyvault.bicep' = {
  name: 'keyvault'
  scope: rg
  params: {
    name: names.keyVault
    location: location
    tags: tags
    workspaceId: monitoring.outputs.workspaceId
  }
}

// Registered sending domains' DKIM private keys, in a vault of their own: the function app writes them when a tenant
// registers a domain, and the internet-facing ingress, which signs with them, may read this vault whole without reaching
// any other secret (the main vault grants it its own secrets one by one).
module domainKeyVault 'app/keyvault.bicep' = {
  name: 'domain-key-vault'
  scope: rg
  params: {
    name: names.domainKeyVault
    location: location
    tags: tags
    workspaceId: monitoring.outputs.workspaceId
  }
}

module network 'app/network.bicep' = {
  name: 'network'
  scope: rg
  params: {
    name: names.vnet
    location: location
    tags: tags
    addressPrefix: vnetAddressPrefix
    infrastructureSubnetPrefix: containerAppsSubnetPrefix
  }
}

module registry 'app/registry.bicep' = {
  name: 'registry'
  scope: rg
  params: {
    name: names.registry
    location: location
    tags: tags
  }
}

module rbac 'app/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    storageAccountName: names.storage
    shardQueueNames: map(filter(range(0, storageShards), shard => !contains(shardsWithOwnAccount, shard)), shard => shard == 0 ? 'outbound' : 'outbound-${shard}')
    keyVaultName: names.keyVault
    domainKeyVaultName: names.domainKeyVault
    applicationInsightsName: names.applicationInsights
    registryName: names.registry
    identityName: names.identity
    ingressIdentityName: names.ingressIdentity
    ingressEnabled: ingressEnabled
    ingressCertificateSecretName: ingressCertificateSecretName
    ingressUsersSecretName: ingressUsersSecretName
    ingressSecretNames: ingressSecretNames
    userPrincipalId: principalId
    userPrincipalType: principalType
  }
  // Names are passed (not outputs) so that assignment names are known before deployment; hence explicit order.
  dependsOn: [
    identity
    ingressIdentity
    storage
    keyVault
    domainKeyVault
    monitoring
    registry
  ]
}

// The same grants in each shard's own account.
module shardRbac 'app/shard-rbac.bicep' = [
  for (shard, i) in shardsWithOwnAccount: {
    name: 'rbac-shard-${shard}'
    scope: rg
    params: {
      storageAccountName: shardAccountNames[shard]
      queueName: 'outbound-${shard}'
      identityName: names.identity
      ingressIdentityName: names.ingressIdentity
      userPrincipalId: principalId
      userPrincipalType: principalType
    }
    // rbac defines the tag writer role that this grants.
    dependsOn: [
      shardStorage[i]
      identity
      ingressIdentity
      rbac
    ]
  }
]

module functionApp 'app/functionapp.bicep' = {
  name: 'functionapp'
  scope: rg
  params: {
    name: names.functionApp
    planName: names.plan
    location: location
    tags: tags
    serviceName: 'functions'
    identityId: identity.outputs.id
    blobEndpoint: storage.outputs.blobEndpoint
    deploymentContainerName: names.deploymentContainer
    platformSettings: platformSettings
    keyVaultUri: keyVault.outputs.uri
    options: union(functionAppOptions, eventGridEnabled ? {
      Events__EventGridTopicEndpoint: eventGrid!.outputs.endpoint
      Events__EventGridClientId: identity.outputs.clientId
    } : {})
    shards: storageShards
    dkimKeys: dkimKeys
    keyVaultReferences: functionKeyVaultReferences
    maximumInstanceCount: functionMaximumInstanceCount
    instanceMemoryMB: functionInstanceMemoryMB
    httpPerInstanceConcurrency: functionHttpPerInstanceConcurrency
  }
  // The host reaches storage and Key Vault as the identity from its first start.
  dependsOn: [
    rbac
    shardRbac
  ]
}

module ingress 'app/ingress.bicep' = {
  name: 'ingress'
  scope: rg
  params: {
    environmentName: names.containerAppsEnvironment
    name: names.ingress
    location: location
    tags: tags
    serviceName: 'ingress'
    infrastructureSubnetId: network.outputs.infrastructureSubnetId
    workspaceId: monitoring.outputs.workspaceId
    identityId: ingressIdentity.outputs.id
    registryLoginServer: registry.outputs.loginServer
    image: ingressImage
    enabled: ingressEnabled
    platformSettings: ingressPlatformSettings
    keyVaultUri: keyVault.outputs.uri
    certificateSecretName: ingressCertificateSecretName
    usersSecretName: ingressUsersSecretName
    options: ingressOptions
    dkimKeys: dkimKeys
    keyVaultReferences: ingressKeyVaultReferences
    minReplicas: ingressMinReplicas
    maxReplicas: ingressMaxReplicas
    concurrentConnectionsPerReplica: ingressConcurrentConnections
    cpu: ingressCpu
    memory: ingressMemory
  }
  // Container Apps fetches the Key Vault secrets and pulls from the registry as the identity while provisioning.
  dependsOn: [
    rbac
    shardRbac
  ]
}

module eventGrid 'app/eventgrid.bicep' = if (eventGridEnabled) {
  name: 'eventgrid'
  scope: rg
  params: {
    name: names.eventGridTopic
    location: location
    tags: tags
    publisherIdentityName: names.identity
    workspaceId: monitoring.outputs.workspaceId
  }
  dependsOn: [
    identity
  ]
}

module workbook 'app/workbook.bicep' = {
  name: 'workbook'
  scope: rg
  params: {
    location: location
    tags: tags
    displayName: 'SmtpFunctions (${environmentName})'
    applicationInsightsName: names.applicationInsights
    storageAccountId: storage.outputs.id
    ingressAppId: ingress.outputs.id
    functionAppName: functionApp.outputs.name
  }
}

module alerts 'app/alerts.bicep' = {
  name: 'alerts'
  scope: rg
  params: {
    namePrefix: 'smtp-${resourceToken}'
    location: location
    tags: tags
    applicationInsightsId: monitoring.outputs.applicationInsightsId
    functionAppName: functionApp.outputs.name
    ingressAppId: ingress.outputs.id
    ingressEnabled: ingressEnabled
    alertEmail: alertEmail
    failureRateThresholdPercent: failureRateThresholdPercent
    failureRateMinimumAttempts: failureRateMinimumAttempts
    functionErrorThreshold: functionErrorThreshold
    ingressRestartThreshold: ingressRestartThreshold
  }
}

// azd reads these (AZURE_CONTAINER_REGISTRY_ENDPOINT to push the ingress image); the rest helps local debugging.
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_CONTAINER_REGISTRY_ENDPOINT string = registry.outputs.loginServer
output AZURE_CONTAINER_APPS_ENVIRONMENT_ID string = ingress.outputs.environmentId
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output AZURE_KEY_VAULT_ENDPOINT string = keyVault.outputs.uri
output AZURE_DOMAIN_KEY_VAULT_NAME string = domainKeyVault.outputs.name
output AZURE_STORAGE_BLOB_ENDPOINT string = storage.outputs.blobEndpoint
output AZURE_STORAGE_QUEUE_ENDPOINT string = storage.outputs.queueEndpoint
output AZURE_STORAGE_TABLE_ENDPOINT string = storage.outputs.tableEndpoint
output APPLICATIONINSIGHTS_CONNECTION_STRING string = monitoring.outputs.connectionString
output FUNCTION_APP_NAME string = functionApp.outputs.name
output FUNCTION_APP_URL string = 'https://${functionApp.outputs.defaultHostName}'
output INGRESS_STATIC_IP string = ingress.outputs.staticIp
output INGRESS_FQDN string = ingress.outputs.fqdn

@description('The Event Grid topic recipient events are published to; empty unless eventGridEnabled.')
output EVENT_GRID_TOPIC_ENDPOINT string = eventGridEnabled ? eventGrid!.outputs.endpoint : ''
