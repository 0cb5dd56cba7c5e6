// Container registry that `azd deploy` pushes the ingress image to. No admin user and no anonymous pull: the
// container app pulls with the managed identity (AcrPull, rbac.bicep).

@description('Registry name (5-50 letters and digits).')
@minLength(5)
@maxLength(50)
param name string

@description('Region.')
param location string

@description('Tags for the resource.')
param tags object

resource registry 'Microsoft.ContainerRegistry/registries@2025-04-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: 'Basic'
  }
  properties: {
    adminUserEnabled: false
    anonymousPullEnabled: false
    publicNetworkAccess: 'Enabled'
  }
}

@description('Registry name.')
output name string = registry.name

@description('Login server, e.g. name.azurecr.io.')
output loginServer string = registry.properties.loginServer
