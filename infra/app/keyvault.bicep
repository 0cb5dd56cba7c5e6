// Key Vault in RBAC mode: the ingress TLS certificate, the SMTP users file, DKIM private keys and the smart-host
// password live here. Nothing in the templates or parameter files carries a secret value: the app reads them
// through Key Vault references (function app) or Key Vault-backed secrets (container app), as its own identity.

@description('Vault name (3-24 characters).')
@minLength(3)
@maxLength(24)
param name string

@description('Region.')
param location string

@description('Tags for the resource.')
param tags object

@description('Log Analytics workspace that receives the vault\'s audit log (who read or changed which secret).')
param workspaceId string

resource vault 'Microsoft.KeyVault/vaults@2026-05-15' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

// Every secret read by the apps' identity and every change by a person lands in the workspace (AuditEvent), so a
// leaked or misused secret can be traced. The newest version of this type is a preview (see ingress.bicep).
#disable-next-line use-recent-api-versions
resource auditLog 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: vault
  properties: {
    workspaceId: workspaceId
    logs: [
      {
        categoryGroup: 'audit'
        enabled: true
      }
    ]
    metrics: [
      {
        category: 'AllMetrics'
        enabled: true
      }
    ]
  }
}

@description('Vault name.')
output name string = vault.name

@description('Vault URI, ending with a slash (https://name.vault.azure.net/).')
output uri string = vault.properties.vaultUri
