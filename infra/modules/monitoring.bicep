// Log Analytics workspace and workspace-based Application Insights: the Functions' telemetry, and
// the audit workspace the deployment's own resources (and, through the diagnostic-settings
// remediator, every monitored resource of the subscription) send their audit logs to.

@description('Azure region of the workspace and the Application Insights component.')
param location string

@description('Tags applied to every resource of this module.')
param tags object

@description('Name of the Log Analytics workspace.')
param workspaceName string

@description('Name of the workspace-based Application Insights component.')
param appInsightsName string

@description('Interactive retention of the workspace in days. The log-retention remediator requires at least policy.logRetention.workspaceRetentionDays (90).')
@minValue(30)
@maxValue(730)
param retentionInDays int

@description('Audit tables given their total retention (interactive + archive) up front, as the log-retention remediator would set it. Empty: leave them to the remediator.')
param auditTableNames array

@description('Total retention of those tables in days: six years is 2191 (Log Analytics takes 4-730 days, then whole years).')
@minValue(4)
@maxValue(4383)
param auditTableTotalRetentionDays int

@description('Daily ingestion cap of the workspace in GB, -1 for none. A cap stops all ingestion, audit logs included, until the next day.')
param dailyQuotaGb int

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
      enableLogAccessUsingOnlyResourcePermissions: true
      // Ingestion with Entra ID only (no workspace keys).
      disableLocalAuth: true
    }
    workspaceCapping: {
      dailyQuotaGb: dailyQuotaGb
    }
    publicNetworkAccessForIngestion: 'Enabled'
    publicNetworkAccessForQuery: 'Enabled'
  }
}

// Retention of the audit tables: -1 keeps the workspace's interactive retention, the rest is archive.
resource auditTables 'Microsoft.OperationalInsights/workspaces/tables@2025-02-01' = [
  for tableName in auditTableNames: {
    parent: workspace
    name: tableName
    properties: {
      retentionInDays: -1
      totalRetentionInDays: auditTableTotalRetentionDays
    }
  }
]

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: appInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    IngestionMode: 'LogAnalytics'
    // Telemetry only with an Entra token (the app's identity has Monitoring Metrics Publisher):
    // the connection string's instrumentation key alone cannot write.
    DisableLocalAuth: true
    // Client IPs are masked (personal data).
    DisableIpMasking: false
    publicNetworkAccessForIngestion: 'Enabled'
    publicNetworkAccessForQuery: 'Enabled'
  }
}

@description('ARM id of the Log Analytics workspace.')
output workspaceId string = workspace.id

@description('Name of the Application Insights component (its connection string is read where it is used, never output).')
output appInsightsName string = appInsights.name
