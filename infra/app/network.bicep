// The virtual network the Container Apps environment needs: external TCP ingress (SMTP on 587/465) is only
// available to environments with a custom VNet. One subnet, delegated to the workload-profiles environment.

@description('VNet name.')
param name string

@description('Region.')
param location string

@description('Tags for the resource.')
param tags object

@description('Address space of the VNet.')
param addressPrefix string

@description('Subnet of the Container Apps environment (at least /27; a /23 leaves room to scale).')
param infrastructureSubnetPrefix string

var subnetName = 'container-apps'

resource vnet 'Microsoft.Network/virtualNetworks@2026-03-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    addressSpace: {
      addressPrefixes: [
        addressPrefix
      ]
    }
    subnets: [
      {
        name: subnetName
        properties: {
          addressPrefix: infrastructureSubnetPrefix
          delegations: [
            {
              name: 'container-apps'
              properties: {
                serviceName: 'Microsoft.App/environments'
              }
            }
          ]
        }
      }
    ]
  }
}

resource subnet 'Microsoft.Network/virtualNetworks/subnets@2026-03-01' existing = {
  parent: vnet
  name: subnetName
}

@description('Subnet the Container Apps environment runs in.')
output infrastructureSubnetId string = subnet.id
