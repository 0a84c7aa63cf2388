// Example parameters for infra/main.bicep. The region is the deployment's:
//   az deployment sub create --location <region> --template-file infra/main.bicep --parameters infra/main.bicepparam
// (scripts/deploy.sh --location <region> runs the whole sequence.)
using './main.bicep'

param resourceGroupName = 'rg-hipaa-remediator'

param tags = {
  workload: 'hipaa-remediator'
  dataClassification: 'phi-controls'
}

// Irreversible once applied: the audit container then keeps every record for auditRetentionDays.
param lockAuditPolicy = true
param auditRetentionDays = 2190

// Break-glass accounts (object ids): alerted, never revoked by expired-role-assignments.
param breakGlassPrincipalIds = []

// The --config JSON (README: modes, dryRun, policy, alerts). Start alert-only, if you prefer:
//   { dryRun: true }
param serviceConfig = {
  dryRun: false
}

// The admin API's Entra app registration (app roles Remediator.Operator / Remediator.Reader);
// empty keeps the admin API closed.
param adminAudience = ''

param sweepSchedule = '0 */15 * * * *'

// An existing central workspace for audit logs instead of the one created here, e.g.
// '/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.OperationalInsights/workspaces/<name>'.
param auditLogWorkspaceId = ''

// A watched subscription already has an Event Grid system topic for its ARM events? Azure allows
// one per source: name it here (or several in existingSystemTopicResourceIds, one per subscription).
param existingSystemTopicResourceId = ''

// What the deployment watches besides this (home) subscription, which is always watched: each
// subscription listed gets the system topic, the event subscription and the custom role
// (scripts/deploy.sh --subscriptions <id>,<id> sets this on the command line).
param watchedSubscriptionIds = []

// A management group to watch (its subscriptions found through Resource Graph); the custom role
// then goes on the management group (scripts/deploy.sh --management-group <name>). Subscriptions
// added to it later: infra/policy/ (infra/README.md).
param managementGroupName = ''

param keyVaultPublicNetworkAccess = 'Enabled'
param maximumInstanceCount = 10
param instanceMemoryMB = 2048
