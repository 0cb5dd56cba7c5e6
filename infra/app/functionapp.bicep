// The function app: HTTP submission/status and the queue-triggered delivery, on Flex Consumption (FC1), running
// .NET isolated as the shared user-assigned identity. The storage connection is identity-based
// (AzureWebJobsStorage__*), Application Insights ingestion is Entra ID-based, secrets are Key Vault references.

import { dkimKey } from 'options.bicep'

@description('Function app name.')
param name string

@description('Flex Consumption plan name.')
param planName string

@description('Region.')
param location string

@description('Tags for the resources (the app also gets azd-service-name).')
param tags object

@description('azd service name (azure.yaml) the app is tagged with.')
param serviceName string

@description('Resource id of the user-assigned identity.')
param identityId string

@description('Blob endpoint of the storage account.')
param blobEndpoint string

@description('Blob container the deployment package is uploaded to.')
param deploymentContainerName string

@description('Identity-based storage connection and Application Insights settings, shared with the ingress.')
param platformSettings object

@description('Key Vault URI (https://name.vault.azure.net/).')
param keyVaultUri string

@description('Mail-system options for this app: configuration key (Section__Property) to string value.')
param options object

@description('DKIM signing keys; private keys are Key Vault secrets.')
param dkimKeys dkimKey[]

@description('Settings whose value is a Key Vault secret: configuration key to secret name.')
param keyVaultReferences object

@description('Most instances the app scales out to.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int

@description('Memory per instance in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int

@description('Concurrent HTTP requests one instance handles before the platform adds another.')
@minValue(1)
@maxValue(1000)
param httpPerInstanceConcurrency int

@description('Delivery queue shards (Storage:Shards): the triggers of shards past it are disabled.')
@minValue(1)
@maxValue(8)
param shards int

// The function app has a fixed set of shard triggers (DeliverMessageShard1..7, RedrivePoisonedJobShard1..7) bound to
// %ShardNQueue% / %ShardNPoisonQueue% (SmtpFunctions.FunctionApp.ShardQueueSettings); every one needs its setting to be
// indexed, and those past the shard count are switched off so they poll no queue that does not exist.
var shardSettings = reduce(
  range(1, 7),
  {},
  (settings, shard) =>
    union(settings, {
      'Shard${shard}Queue': 'outbound-${shard}'
      'Shard${shard}PoisonQueue': 'outbound-${shard}-poison'
      'AzureWebJobs.DeliverMessageShard${shard}.Disabled': shard >= shards ? 'true' : 'false'
      'AzureWebJobs.RedrivePoisonedJobShard${shard}.Disabled': shard >= shards ? 'true' : 'false'
    })
)

// Key Vault references are resolved by the platform with keyVaultReferenceIdentity; the code sees plain values.
var dkimSettings = reduce(
  range(0, length(dkimKeys)),
  {},
  (settings, i) =>
    union(settings, {
      'Dkim__Keys__${i}__Domain': dkimKeys[i].domain
      'Dkim__Keys__${i}__Selector': dkimKeys[i].selector
      'Dkim__Keys__${i}__PrivateKey': '@Microsoft.KeyVault(SecretUri=${keyVaultUri}secrets/${dkimKeys[i].secretName})'
    })
)

var secretSettings = toObject(
  items(keyVaultReferences),
  setting => setting.key,
  setting => '@Microsoft.KeyVault(SecretUri=${keyVaultUri}secrets/${setting.value})'
)

var appSettings = union(options, dkimSettings, secretSettings, shardSettings, platformSettings)

resource plan 'Microsoft.Web/serverfarms@2025-03-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true
  }
}

resource functionApp 'Microsoft.Web/sites@2025-03-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': serviceName })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      minTlsVersion: '1.2'
      appSettings: map(items(appSettings), setting => { name: setting.key, value: setting.value })
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${blobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
        triggers: {
          http: {
            perInstanceConcurrency: httpPerInstanceConcurrency
          }
        }
      }
      runtime: {
        name: 'dotnet-isolated'
        version: '10.0'
      }
    }
  }
}

// Basic-auth publishing (FTP, SCM) stays off: azd and `func publish` deploy with Entra ID.
resource ftpPublishing 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2025-03-01' = {
  parent: functionApp
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scmPublishing 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2025-03-01' = {
  parent: functionApp
  name: 'scm'
  properties: {
    allow: false
  }
}

@description('Function app name.')
output name string = functionApp.name

@description('Function app resource id.')
output id string = functionApp.id

@description('Default host name, e.g. name.azurewebsites.net.')
output defaultHostName string = functionApp.properties.defaultHostName
