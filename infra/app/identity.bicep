// A user-assigned managed identity. main.bicep makes two: the function app's, and the internet-facing ingress's own,
// which gets only what submission needs (rbac.bicep). Storage, Key Vault, Application Insights ingestion and image
// pulls are all granted to identities, so no key or connection string with a secret in it exists anywhere.

@description('Identity name.')
param name string

@description('Region.')
param location string

@description('Tags for the resource.')
param tags object

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: name
  location: location
  tags: tags
}

@description('Resource id (for identity blocks and Key Vault references).')
output id string = identity.id

@description('Client id (what the code passes to ManagedIdentityCredential).')
output clientId string = identity.properties.clientId

@description('Principal id (what role assignments grant to).')
output principalId string = identity.properties.principalId
