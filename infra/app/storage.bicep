@description('Name of the storage account: 3-24 lowercase letters and digits.')
@minLength(3)
@maxLength(24)
param name string

@description('Azure region.')
param location string

@description('Tags for the account.')
param tags {
  *: string
}

@description('Blob container the Flex Consumption plan deploys the app package from.')
param deploymentContainerName string

@description('Queues to create: the requests, wake-up and notification queues and their -poison queues.')
param queueNames string[]

@description('The dispatch ledger table (Jobs__LedgerTable).')
param ledgerTableName string

@description('The ledger\'s lookup index table (Jobs__IndexTable).')
param ledgerIndexTableName string

@description('The ledger\'s timeline index table (Jobs__TimelineTable).')
param ledgerTimelineTableName string

@description('The dead-letter table of status-event deliveries (Notifications__FailedTable).')
param notificationFailuresTableName string

@description('The table of calendars, schedules and rules added through the API (Sources__Table).')
param sourcesTableName string

@description('The Microsoft 365 mailbox state table (Microsoft365__StateTable).')
param microsoft365StateTableName string

// One account for the Functions host (AzureWebJobsStorage), the deployment package, the queues and
// the ledger. Shared keys are off: everything, the Functions host included, signs in with Microsoft
// Entra ID (the app's managed identity), so there is no account key or connection string to leak.
resource account 'Microsoft.Storage/storageAccounts@2025-06-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    accessTier: 'Hot'
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
    dnsEndpointType: 'Standard'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }

  resource blobService 'blobServices' = {
    name: 'default'

    resource deploymentContainer 'containers' = {
      name: deploymentContainerName
      properties: {
        publicAccess: 'None'
      }
    }
  }

  resource queueService 'queueServices' = {
    name: 'default'

    resource queues 'queues' = [
      for queueName in queueNames: {
        name: queueName
      }
    ]
  }

  resource tableService 'tableServices' = {
    name: 'default'

    resource ledger 'tables' = {
      name: ledgerTableName
    }

    resource ledgerIndex 'tables' = {
      name: ledgerIndexTableName
    }

    resource ledgerTimeline 'tables' = {
      name: ledgerTimelineTableName
    }

    resource notificationFailures 'tables' = {
      name: notificationFailuresTableName
    }

    resource sources 'tables' = {
      name: sourcesTableName
    }

    resource microsoft365State 'tables' = {
      name: microsoft365StateTableName
    }
  }
}

@description('Name of the storage account.')
output name string = account.name

@description('Resource id of the storage account.')
output id string = account.id

@description('Blob endpoint, e.g. https://<account>.blob.core.windows.net/.')
output blobEndpoint string = account.properties.primaryEndpoints.blob
