@description('Name of the Function App (also its host name: <name>.azurewebsites.net).')
param name string

@description('Name of the Flex Consumption plan.')
param planName string

@description('Azure region.')
param location string

@description('Tags for the plan and the app (the app also gets azd-service-name).')
param tags {
  *: string
}

@description('azd service name in azure.yaml: azd deploys the code to the app tagged with it.')
param serviceName string

@description('Resource id of the app\'s user-assigned managed identity.')
param identityId string

@description('Client id of the app\'s user-assigned managed identity.')
param identityClientId string

@description('Name of the storage account (AzureWebJobsStorage, deployment package, queues, ledger).')
param storageAccountName string

@description('Blob endpoint of the storage account, with a trailing slash.')
param storageBlobEndpoint string

@description('Blob container holding the deployment package.')
param deploymentContainerName string

@description('Name of the Application Insights component.')
param applicationInsightsName string

@description('URI of the Key Vault the app reads its secrets from.')
param keyVaultUri string

@description('The app\'s own settings (queues, schedules, secret names, time limits).')
param appSettings {
  *: string
}

@description('More settings, e.g. Schedules__0__... and Routing__Rules__0__...; they may override appSettings but never the identity, storage, vault or monitoring settings, and forbidden names (a plain token or signing secret, a storage connection string) are dropped.')
param extraAppSettings {
  *: string
}

@description('Most instances the app scales out to.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int

@description('Memory of each instance, in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int

// Never deployed as settings, whatever extraAppSettings says: secrets in plain settings (the VideoSDK
// token, the webhook signing secrets and the sources' data key live in Key Vault), a key-based storage connection string
// (shared keys are off; the identity-based AzureWebJobsStorage__* settings are used), and
// FUNCTIONS_WORKER_RUNTIME, which a Flex Consumption site refuses: its runtime is
// functionAppConfig.runtime below. App setting names are case-insensitive, hence the lower case.
// The infrastructure tests check this list against AppSettings.ForbiddenInAzure in the app.
var forbiddenSettings = [
  'videosdk__authtoken'
  'webhooks__calendly__secret'
  'webhooks__calcom__secret'
  'webhooks__standard__secret'
  'sources__datakey'
  'azurewebjobsstorage'
  'functions_worker_runtime'
]

var allowedExtraSettings = toObject(
  filter(items(extraAppSettings), setting => !contains(forbiddenSettings, toLower(setting.key))),
  setting => setting.key,
  setting => setting.value
)

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

// Identity-based connections only: the Functions host and the app reach Storage, Key Vault and
// Application Insights as the user-assigned identity. These come last, so nothing overrides them.
var platformSettings = {
  AzureWebJobsStorage__accountName: storageAccountName
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  APPLICATIONINSIGHTS_CONNECTION_STRING: appInsights.properties.ConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
  KeyVault__VaultUri: keyVaultUri
  KeyVault__ManagedIdentityClientId: identityClientId
}

resource plan 'Microsoft.Web/serverfarms@2025-03-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource site 'Microsoft.Web/sites@2025-03-01' = {
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
    clientCertEnabled: false
    publicNetworkAccess: 'Enabled'
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      // FTP is off through basicPublishingCredentialsPolicies below: a Flex Consumption site has no
      // FTP endpoint and refuses siteConfig.ftpsState (like alwaysOn and the other properties its
      // platform manages), so it is not set here.
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      http20Enabled: true
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storageBlobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'dotnet-isolated'
        version: '10.0'
      }
    }
  }

  resource settings 'config' = {
    name: 'appsettings'
    properties: union(appSettings, allowedExtraSettings, platformSettings)
  }

  // No publishing with user names and passwords: azd and the Azure CLI deploy with Microsoft Entra tokens.
  resource ftpPublishing 'basicPublishingCredentialsPolicies' = {
    name: 'ftp'
    properties: {
      allow: false
    }
  }

  resource scmPublishing 'basicPublishingCredentialsPolicies' = {
    name: 'scm'
    properties: {
      allow: false
    }
  }
}

@description('Name of the Function App.')
output name string = site.name

@description('Default host name, e.g. <name>.azurewebsites.net.')
output defaultHostName string = site.properties.defaultHostName
