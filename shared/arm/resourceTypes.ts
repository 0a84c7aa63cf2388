/** ARM resource types the service reads and writes. One constant per type; compared case-insensitively. */
export const STORAGE_ACCOUNT = 'Microsoft.Storage/storageAccounts';
export const BLOB_CONTAINER = 'Microsoft.Storage/storageAccounts/blobServices/containers';
export const ROLE_ASSIGNMENT = 'Microsoft.Authorization/roleAssignments';

export type SupportedResourceType = typeof STORAGE_ACCOUNT | typeof BLOB_CONTAINER | typeof ROLE_ASSIGNMENT;
