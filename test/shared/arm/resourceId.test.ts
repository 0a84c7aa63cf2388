import { describe, expect, it } from 'vitest';
import { parseResourceId, tryParseResourceId } from '../../../shared/arm/resourceId.js';

const SUB = '11111111-2222-4333-8444-555555555555';

describe('parseResourceId', () => {
  it('parses a storage account id and canonicalises keyword casing', () => {
    const id = parseResourceId(`/subscriptions/${SUB}/resourcegroups/rg-pharmacy/providers/Microsoft.Storage/storageAccounts/stpharmacyrx01`);
    expect(id.id).toBe(`/subscriptions/${SUB}/resourceGroups/rg-pharmacy/providers/Microsoft.Storage/storageAccounts/stpharmacyrx01`);
    expect(id.resourceType).toBe('Microsoft.Storage/storageAccounts');
    expect(id.resourceGroup).toBe('rg-pharmacy');
    expect(id.name).toBe('stpharmacyrx01');
    expect(id.key).toBe(id.id.toLowerCase());
  });

  it('parses a container as a nested child with its parent chain', () => {
    const id = parseResourceId(`/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/acct/blobServices/default/containers/$logs`);
    expect(id.resourceType).toBe('Microsoft.Storage/storageAccounts/blobServices/containers');
    expect(id.names).toEqual(['acct', 'default', '$logs']);
    expect(id.parent?.resourceType).toBe('Microsoft.Storage/storageAccounts/blobServices');
    expect(id.parent?.parent?.resourceType).toBe('Microsoft.Storage/storageAccounts');
  });

  it('parses extension resources (diagnostic settings on a vault) and subscription-level role assignments', () => {
    const diag = parseResourceId(`/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv/providers/Microsoft.Insights/diagnosticSettings/kv-audit`);
    expect(diag.resourceType).toBe('Microsoft.Insights/diagnosticSettings');
    expect(diag.parent?.resourceType).toBe('Microsoft.KeyVault/vaults');
    const ra = parseResourceId(`/subscriptions/${SUB}/providers/Microsoft.Authorization/roleAssignments/e7c1d2a3-b4c5-4d6e-8f7a-9b0c1d2e3f4a`);
    expect(ra.resourceType).toBe('Microsoft.Authorization/roleAssignments');
    expect(ra.resourceGroup).toBeUndefined();
  });

  it.each([
    ['path traversal', `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/../../x`],
    ['query injection', `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/a?api-version=2020-01-01`],
    ['fragment', `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/a#x`],
    ['percent encoding', `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/a%2F..`],
    ['backslash', `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/a\\b`],
    ['whitespace', `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/a b`],
    ['absolute URL', `https://evil.example/subscriptions/${SUB}`],
    ['non-GUID subscription', '/subscriptions/not-a-guid/resourceGroups/rg'],
    ['placeholder', '/subscriptions/{subscription-id}/resourceGroups/{resource-group}'],
    ['double slash', `/subscriptions/${SUB}//resourceGroups/rg`],
    ['trailing slash', `/subscriptions/${SUB}/resourceGroups/rg/`],
    ['missing name', `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts`],
    ['providers without type', `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Storage`],
    ['bad namespace', `/subscriptions/${SUB}/resourceGroups/rg/providers/Storage/storageAccounts/a`],
    ['control character', `/subscriptions/${SUB}/resourceGroups/rg\u0000/providers/Microsoft.Storage/storageAccounts/a`],
    ['empty', ''],
    ['too long', `/subscriptions/${SUB}/resourceGroups/${'a'.repeat(3000)}`],
  ])('rejects %s', (_label, raw) => {
    const parsed = tryParseResourceId(raw);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toMatch(/invalid ARM resource id|not a string/);
  });

  it('rejects non-strings', () => {
    expect(tryParseResourceId(42)).toEqual({ ok: false, reason: 'resource id is not a string' });
  });
});
