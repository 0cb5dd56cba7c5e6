// Log Analytics + workspace-based Application Insights. Local (instrumentation-key) authentication is disabled:
// telemetry is accepted only with an Entra ID token, which the apps get from their managed identity
// (APPLICATIONINSIGHTS_AUTHENTICATION_STRING) and which rbac.bicep allows with Monitoring Metrics Publisher.

@description('Log Analytics workspace name.')
param workspaceName string

@description('Application Insights name.')
param applicationInsightsName string

@description('Region.')
param location string

@description('Tags for the resources.')
param tags object

@description('Days logs and telemetry are kept.')
@minValue(30)
@maxValue(730)
param retentionInDays int

resource workspace 'Microsoft.OperationalInsights/workspaces@2025-02-01' = {
  name: workspaceName
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: retentionInDays
    features: {
      // Queries need Azure RBAC on the workspace or its resources; no shared-key ingestion is used.
      enableLogAccessUsingOnlyResourcePermissions: true
    }
  }
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: applicationInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    DisableLocalAuth: true
    RetentionInDays: retentionInDays
    IngestionMode: 'LogAnalytics'
    publicNetworkAccessForIngestion: 'Enabled'
    publicNetworkAccessForQuery: 'Enabled'
  }
}

@description('Workspace resource id.')
output workspaceId string = workspace.id

@description('Application Insights resource id.')
output applicationInsightsId string = applicationInsights.id

@description('Application Insights name.')
output applicationInsightsName string = applicationInsights.name

@description('Connection string (not a secret: with local auth disabled it only says where to send, an Entra ID token is still required).')
output connectionString string = applicationInsights.properties.ConnectionString
