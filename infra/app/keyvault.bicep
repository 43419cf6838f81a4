@description('Name of the vault: 3-24 letters, digits and dashes.')
@minLength(3)
@maxLength(24)
param name string

@description('Azure region.')
param location string

@description('Tags for the vault.')
param tags {
  *: string
}

@description('Days a deleted vault or secret is kept before it is gone for good (7-90). With purge protection nobody can shorten this, and the vault name stays taken for that long after the vault is deleted.')
@minValue(7)
@maxValue(90)
param softDeleteRetentionInDays int

// The vault holds the VideoSDK token (or API key and secret) and the webhook signing secrets. Nothing
// in this template writes a secret: their values are put in by hand (see docs/deploy.md), and the
// app reads them by the names in its settings. Access is Azure RBAC only: no access policies.
resource vault 'Microsoft.KeyVault/vaults@2025-05-01' = {
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
    softDeleteRetentionInDays: softDeleteRetentionInDays
    enablePurgeProtection: true
    enabledForDeployment: false
    enabledForDiskEncryption: false
    enabledForTemplateDeployment: false
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

@description('Name of the vault.')
output name string = vault.name

@description('Resource id of the vault.')
output id string = vault.id

@description('URI of the vault, e.g. https://<name>.vault.azure.net/ (KeyVault__VaultUri).')
output uri string = vault.properties.vaultUri
