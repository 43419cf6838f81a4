@description('Name of the user-assigned managed identity the Function App runs as.')
param name string

@description('Azure region.')
param location string

@description('Tags for the identity.')
param tags {
  *: string
}

// The app's one identity: the Functions host (AzureWebJobsStorage, deployment package), the app's
// own Storage and Key Vault clients and Application Insights all authenticate as it. A user-assigned
// identity exists before the site does, so its roles are in place before the app first starts.
resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: name
  location: location
  tags: tags
}

@description('Resource id of the identity.')
output id string = identity.id

@description('Name of the identity.')
output name string = identity.name

@description('Client id: what the app and the Functions host pass to ask for this identity.')
output clientId string = identity.properties.clientId

@description('Principal (object) id: what role assignments name.')
output principalId string = identity.properties.principalId
