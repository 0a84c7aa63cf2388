/** Built-in Azure role definition ids (tenant-independent GUIDs; FACTS.md §G) and how to compare them. */
export const OWNER_ROLE_ID = '8e3af657-a8ff-443c-a75c-2fe8c4bcb635';
export const USER_ACCESS_ADMINISTRATOR_ROLE_ID = '18d7d88d-d35e-4fb5-a5c3-7773c20a72d9';
export const RBAC_ADMINISTRATOR_ROLE_ID = 'f58310d9-a9f6-439a-9e8d-f62e7b41a168';

/** Role definition ids arrive with a subscription prefix or bare: the trailing GUID is the role. */
export function roleGuid(roleDefinitionId: string | undefined): string {
  return (roleDefinitionId ?? '').split('/').at(-1)?.toLowerCase() ?? '';
}
