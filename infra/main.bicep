// AgentDispatch on Azure: a Function App on a Flex Consumption plan running as a user-assigned
// managed identity, with Storage (shared keys off), Key Vault (RBAC only), Application Insights
// (local auth off) and the narrowest role assignments that work. `azd up` deploys it (see docs/deploy.md).
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the environment (azd: AZURE_ENV_NAME), e.g. dev or prod. Names the resource group rg-<environmentName> and seeds the unique suffix of every resource name.')
param environmentName string

@minLength(1)
@description('Azure region for every resource. It must offer the Flex Consumption plan (az functionapp list-flexconsumption-locations).')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@minLength(2)
@maxLength(7)
@description('Short prefix of the resource names (lowercase letters and digits), e.g. func-<prefix>-<suffix>.')
param namePrefix string = 'agd'

@description('Name of the resource group; empty: rg-<environmentName>.')
param resourceGroupName string = ''

@description('Optional: object id of the person or pipeline deploying (azd: AZURE_PRINCIPAL_ID). It gets Key Vault Secrets Officer on the vault, to put the secrets in. Empty: no such role.')
param principalId string = ''

@description('Kind of principal principalId is.')
@allowed([
  'User'
  'ServicePrincipal'
  'Group'
])
param principalType string = 'User'

@description('How the app gets its VideoSDK token: "token", a ready token in the vault secret videoSdkTokenSecretName; "apiKey", tokens minted from the API key and secret in videoSdkApiKeySecretName and videoSdkApiSecretSecretName.')
@allowed([
  'token'
  'apiKey'
])
param videoSdkTokenMode string = 'token'

@description('Vault secret holding a ready VideoSDK token (VideoSdk__TokenSecretName).')
param videoSdkTokenSecretName string = 'videosdk-auth-token'

@description('Vault secret holding the VideoSDK API key (VideoSdk__ApiKeySecretName), in apiKey mode.')
param videoSdkApiKeySecretName string = 'videosdk-api-key'

@description('Vault secret holding the VideoSDK API secret (VideoSdk__ApiSecretSecretName), in apiKey mode.')
param videoSdkApiSecretSecretName string = 'videosdk-api-secret'

@description('Vault secret holding the Calendly webhook signing key (Webhooks__Calendly__SecretName).')
param calendlySigningKeySecretName string = 'calendly-signing-key'

@description('Vault secret holding the Cal.com webhook secret (Webhooks__CalCom__SecretName).')
param calComWebhookSecretName string = 'calcom-webhook-secret'

@description('Vault secret holding the Standard Webhooks secret, whsec_... (Webhooks__Standard__SecretName).')
param standardWebhookSecretName string = 'standard-webhook-secret'

@description('Vault secret holding the data key that encrypts the feed URLs of calendars added through the API (Sources__DataKeySecretName): at least 32 characters of random text, put in by hand like the other secrets; add a new version to rotate it.')
param sourcesDataKeySecretName string = 'sources-data-key'

@description('Queue of dispatch requests from other apps (DISPATCH_REQUESTS_QUEUE); its -poison queue is created too.')
param requestsQueueName string = 'agent-dispatch-requests'

@description('Internal queue of scheduled wake-ups (DISPATCH_WAKE_QUEUE); its -poison queue is created too.')
param wakeQueueName string = 'agent-dispatch-wake'

@description('Table of dispatch jobs (Jobs__LedgerTable).')
param ledgerTableName string = 'AgentDispatches'

@description('The ledger\'s lookup index: jobs by meeting, state, dispatchAt and origin (Jobs__IndexTable).')
param ledgerIndexTableName string = '${ledgerTableName}Index'

@description('The ledger\'s timeline index: what is due, which claims run out, and the sweep\'s checkpoints (Jobs__TimelineTable).')
param ledgerTimelineTableName string = '${ledgerTableName}Timeline'

@description('How long final jobs are kept before the maintenance timer deletes them (Jobs__Retention, d.hh:mm:ss); repeats are recognised this long.')
param jobRetention string = '30.00:00:00'

@description('Internal queue of status-event deliveries to subscribers (DISPATCH_NOTIFICATIONS_QUEUE); its -poison queue is created too.')
param notificationsQueueName string = 'agent-dispatch-notifications'

@description('Table of status-event deliveries that gave up (Notifications__FailedTable).')
param notificationFailuresTableName string = 'AgentDispatchNotificationFailures'

@description('Table of the calendars, schedules and routing rules added through the API (Sources__Table).')
param sourcesTableName string = 'AgentDispatchSources'

@description('NCRONTAB schedule of the sweep, in UTC (DISPATCH_SWEEP_SCHEDULE).')
param dispatchSweepSchedule string = '0 * * * * *'

@description('NCRONTAB schedule of ledger maintenance (the one-time index backfill, then retention), in UTC (LEDGER_MAINTENANCE_SCHEDULE).')
param ledgerMaintenanceSchedule string = '0 */10 * * * *'

@description('NCRONTAB schedule on which the Schedules__N__... recurring dispatches are turned into jobs, in UTC (SCHEDULES_POLL_SCHEDULE).')
param schedulesPollSchedule string = '0 * * * * *'

@description('NCRONTAB schedule of the calendar poll, in UTC (CALENDAR_POLL_SCHEDULE).')
param calendarPollSchedule string = '0 */5 * * * *'

@description('Internal queue of Microsoft 365 mailbox work, one message per mailbox to sync (MICROSOFT365_QUEUE); its -poison queue is created too.')
param microsoft365QueueName string = 'agent-dispatch-microsoft365'

@description('NCRONTAB schedule on which Graph subscriptions are renewed and due mailbox resyncs queued, in UTC (MICROSOFT365_SCHEDULE).')
param microsoft365Schedule string = '0 */5 * * * *'

@description('Table of Microsoft 365 mailbox state: subscriptions, clientState hashes, delta links, last errors (Microsoft365__StateTable).')
param microsoft365StateTableName string = 'AgentDispatchMailboxes'

@description('The public URL Graph sends change notifications to (Microsoft365__NotificationUrl). Empty: the app\'s default host name + /api/webhooks/microsoft365; set it when a custom domain or a front door is in front of the app.')
param microsoft365NotificationUrl string = ''

@description('More app settings, e.g. {"Schedules__0__Cron": "...", "Routing__Rules__0__Match": "..."}. They may override the defaults below, never the identity, storage, vault or monitoring settings; secrets in plain settings (VideoSdk__AuthToken, Webhooks__*__Secret) and an AzureWebJobsStorage connection string are dropped.')
param extraAppSettings {
  *: string
} = {}

@description('Most instances the Function App scales out to (Flex Consumption scales on queue length and HTTP load).')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Memory of each Function App instance, in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Days a deleted Key Vault (and its secrets) is kept. Purge protection is on, so the vault name stays taken for this long after azd down.')
@minValue(7)
@maxValue(90)
param keyVaultSoftDeleteRetentionInDays int = 90

var abbrs = loadJsonContent('abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var prefix = toLower(namePrefix)
var tags = {
  'azd-env-name': environmentName
}
var functionAppName = '${abbrs.webSitesFunctions}${prefix}-${resourceToken}'
// Flex Consumption apps answer on <name>.azurewebsites.net; the site cannot read its own host name in its settings.
var microsoft365WebhookUrl = !empty(microsoft365NotificationUrl) ? microsoft365NotificationUrl : 'https://${functionAppName}.azurewebsites.net/api/webhooks/microsoft365'
var deploymentContainerName = 'app-package-${take(functionAppName, 32)}-${take(resourceToken, 7)}'

// The app's settings, defaults as in local.settings.sample.json (the infrastructure tests compare
// them). Secrets are never here: only the names of the vault secrets that hold them.
var tokenModeSettings = videoSdkTokenMode == 'apiKey'
  ? {
      VideoSdk__ApiKeySecretName: videoSdkApiKeySecretName
      VideoSdk__ApiSecretSecretName: videoSdkApiSecretSecretName
    }
  : {}

var appSettings = union(
  {
    DISPATCH_REQUESTS_QUEUE: requestsQueueName
    DISPATCH_WAKE_QUEUE: wakeQueueName
    DISPATCH_NOTIFICATIONS_QUEUE: notificationsQueueName
    DISPATCH_SWEEP_SCHEDULE: dispatchSweepSchedule
    LEDGER_MAINTENANCE_SCHEDULE: ledgerMaintenanceSchedule
    SCHEDULES_POLL_SCHEDULE: schedulesPollSchedule
    CALENDAR_POLL_SCHEDULE: calendarPollSchedule
    MICROSOFT365_QUEUE: microsoft365QueueName
    MICROSOFT365_SCHEDULE: microsoft365Schedule
    Microsoft365__StateTable: microsoft365StateTableName
    Microsoft365__NotificationUrl: microsoft365WebhookUrl
    VideoSdk__TokenSecretName: videoSdkTokenSecretName
    VideoSdk__TokenLifetime: '01:00:00'
    VideoSdk__AttemptTimeout: '00:00:10'
    VideoSdk__TotalTimeout: '00:00:45'
    VideoSdk__MaxRetries: '2'
    VideoSdk__MaxRetryAfter: '00:00:05'
    KeyVault__SecretCacheDuration: '01:00:00'
    Jobs__LedgerTable: ledgerTableName
    Jobs__IndexTable: ledgerIndexTableName
    Jobs__TimelineTable: ledgerTimelineTableName
    Jobs__Retention: jobRetention
    Jobs__DefaultWindow: '00:10:00'
    Jobs__RetryBaseDelay: '00:00:05'
    Jobs__RetryMaxDelay: '00:02:00'
    Confirmation__Mode: 'Both'
    Confirmation__Timeout: '00:01:00'
    Confirmation__PollInterval: '00:00:02'
    Confirmation__OnNotJoined: 'Redispatch'
    Confirmation__MaxRedispatches: '2'
    Notifications__FailedTable: notificationFailuresTableName
    Sources__Table: sourcesTableName
    Sources__DataKeySecretName: sourcesDataKeySecretName
    Notifications__RetryFor: '1.00:00:00'
    Webhooks__Calendly__SecretName: calendlySigningKeySecretName
    Webhooks__CalCom__SecretName: calComWebhookSecretName
    Webhooks__Standard__SecretName: standardWebhookSecretName
  },
  tokenModeSettings
)

resource rg 'Microsoft.Resources/resourceGroups@2025-04-01' = {
  name: !empty(resourceGroupName) ? resourceGroupName : '${abbrs.resourcesResourceGroups}${environmentName}'
  location: location
  tags: tags
}

module identity 'app/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: '${abbrs.managedIdentityUserAssignedIdentities}${prefix}-${resourceToken}'
    location: location
    tags: tags
  }
}

module monitoring 'app/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: '${abbrs.operationalInsightsWorkspaces}${prefix}-${resourceToken}'
    applicationInsightsName: '${abbrs.insightsComponents}${prefix}-${resourceToken}'
    location: location
    tags: tags
  }
}

module storage 'app/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: '${abbrs.storageStorageAccounts}${prefix}${resourceToken}'
    location: location
    tags: tags
    deploymentContainerName: deploymentContainerName
    queueNames: [
      requestsQueueName
      '${requestsQueueName}-poison'
      wakeQueueName
      '${wakeQueueName}-poison'
      notificationsQueueName
      '${notificationsQueueName}-poison'
      microsoft365QueueName
      '${microsoft365QueueName}-poison'
    ]
    ledgerTableName: ledgerTableName
    ledgerIndexTableName: ledgerIndexTableName
    ledgerTimelineTableName: ledgerTimelineTableName
    notificationFailuresTableName: notificationFailuresTableName
    sourcesTableName: sourcesTableName
    microsoft365StateTableName: microsoft365StateTableName
  }
}

module keyVault 'app/keyvault.bicep' = {
  name: 'keyvault'
  scope: rg
  params: {
    name: '${abbrs.keyVaultVaults}${prefix}-${resourceToken}'
    location: location
    tags: tags
    softDeleteRetentionInDays: keyVaultSoftDeleteRetentionInDays
  }
}

module rbac 'app/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    storageAccountName: storage.outputs.name
    keyVaultName: keyVault.outputs.name
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    appPrincipalId: identity.outputs.principalId
    deployerPrincipalId: principalId
    deployerPrincipalType: principalType
  }
}

module functionApp 'app/function-app.bicep' = {
  name: 'function-app'
  scope: rg
  // The roles first: the app starts reading its queues, ledger and vault as soon as it exists.
  dependsOn: [
    rbac
  ]
  params: {
    name: functionAppName
    planName: '${abbrs.webServerFarms}${prefix}-${resourceToken}'
    location: location
    tags: tags
    serviceName: 'api'
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    storageBlobEndpoint: storage.outputs.blobEndpoint
    deploymentContainerName: deploymentContainerName
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    keyVaultUri: keyVault.outputs.uri
    appSettings: appSettings
    extraAppSettings: extraAppSettings
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
  }
}

// Names and addresses only: no keys, connection strings or secret values (azd keeps outputs in
// .azure/<env>/.env, and deployment history shows them to anyone who can read the subscription).
@description('Region of the deployment.')
output AZURE_LOCATION string = location

@description('Tenant of the subscription.')
output AZURE_TENANT_ID string = tenant().tenantId

@description('Resource group holding everything.')
output AZURE_RESOURCE_GROUP string = rg.name

@description('Name of the Function App.')
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name

@description('Base URL of the Function App; the HTTP API is under /api.')
output AZURE_FUNCTION_APP_URL string = 'https://${functionApp.outputs.defaultHostName}'

@description('Name of the Key Vault to put the secrets in.')
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name

@description('URI of the Key Vault.')
output AZURE_KEY_VAULT_URI string = keyVault.outputs.uri

@description('Name of the storage account (queues, ledger table).')
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name

@description('Client id of the app\'s managed identity.')
output AZURE_APP_IDENTITY_CLIENT_ID string = identity.outputs.clientId

@description('Object id of the app\'s managed identity: the principal that is granted Graph\'s Calendars.Read app role (docs/event-sources.md).')
output AZURE_APP_IDENTITY_PRINCIPAL_ID string = identity.outputs.principalId

@description('Where Graph sends Microsoft 365 change notifications (Microsoft365__NotificationUrl); lifecycle notifications go to the same URL + /lifecycle.')
output AZURE_MICROSOFT365_WEBHOOK_URL string = microsoft365WebhookUrl
