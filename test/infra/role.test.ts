/**
 * The custom role (infra/role-actions.json) and the event subscription's filters
 * (infra/event-filters.json) against the code: both files are what scripts/role.ts derives from
 * REMEDIATORS and shared/arm, so a remediator that gains an ARM action, a family that reads a new
 * type or a trigger that widens fails here until `npm run gen:role` is run.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REMEDIATORS } from '../../remediators/index.js';
import {
  DIAGNOSTIC_SETTINGS_READ,
  EVENT_FILTERS_FILE,
  eventFiltersJson,
  INCLUDED_EVENT_TYPES,
  isDataAction,
  knownResourceTypes,
  MAX_ADVANCED_FILTER_VALUES,
  operationNameFilters,
  operationTypesJudgedAs,
  passesFilter,
  READS_BY_TYPE,
  RESOURCE_GRAPH_READS,
  readableTypes,
  ROLE_FILE,
  roleJson,
  rolePermissions,
  serialize,
  type EventFiltersJson,
  type RoleJson,
} from '../../scripts/role.js';
import { isDiagnosticsMonitored, BLOB_CONTAINER, BLOB_SERVICE, DIAGNOSTIC_SETTING, IMMUTABILITY_POLICY, KEY_VAULT } from '../../shared/arm/resourceTypes.js';
import { buildConfig } from '../../shared/config.js';
import { parseEvent } from '../../shared/events.js';
import { routeEvent } from '../../shared/router.js';
import { armWriteEvent, SUB } from '../helpers/events.js';

const root = resolve(import.meta.dirname, '..', '..');
const readJson = <T>(file: string): T => JSON.parse(readFileSync(join(root, file), 'utf8')) as T;
const role = readJson<RoleJson>(ROLE_FILE);
const filters = readJson<EventFiltersJson>(EVENT_FILTERS_FILE);
const lower = (values: readonly string[]): string[] => values.map((v) => v.toLowerCase());

describe('infra/role-actions.json', () => {
  it('is exactly what the code derives (run `npm run gen:role` after changing a remediator or a family)', () => {
    expect(readFileSync(join(root, ROLE_FILE), 'utf8')).toBe(serialize(roleJson(REMEDIATORS)));
  });

  it('holds every remediator\'s armActions, data actions apart', () => {
    for (const remediator of REMEDIATORS) {
      for (const action of remediator.armActions) {
        expect(lower(isDataAction(action) ? role.dataActions : role.actions), `${remediator.id}: ${action}`).toContain(action.toLowerCase());
      }
    }
    for (const action of role.actions) expect(isDataAction(action), `${action} is a data action under actions`).toBe(false);
  });

  it('reads every type the gateway reads, with what its family calls', () => {
    const readable = readableTypes();
    expect(readable.length).toBeGreaterThanOrEqual(6);
    for (const type of readable) {
      const reads = Object.entries(READS_BY_TYPE).find(([t]) => t.toLowerCase() === type.toLowerCase())?.[1];
      expect(reads, `${type} has no entry in READS_BY_TYPE`).toBeDefined();
      // The type's own GET/list is always among them.
      expect(lower(reads!.actions)).toContain(`${type.toLowerCase()}/read`);
      for (const action of reads!.actions) expect(lower(role.actions)).toContain(action.toLowerCase());
      for (const action of reads!.dataActions ?? []) expect(lower(role.dataActions)).toContain(action.toLowerCase());
      if (isDiagnosticsMonitored(type)) expect(role.actions).toContain(DIAGNOSTIC_SETTINGS_READ);
    }
    // What the issue names, where the code reads it.
    const expected = [
      'Microsoft.Storage/storageAccounts/read',
      'Microsoft.Storage/storageAccounts/blobServices/read',
      'Microsoft.Storage/storageAccounts/blobServices/containers/read',
      'Microsoft.Authorization/roleAssignments/read',
      'Microsoft.Authorization/roleAssignmentScheduleInstances/read',
      'Microsoft.Insights/diagnosticSettings/read',
      'Microsoft.OperationalInsights/workspaces/read',
      'Microsoft.OperationalInsights/workspaces/tables/read',
    ];
    expect(role.actions).toEqual(expect.arrayContaining(expected));
    if (readable.includes(KEY_VAULT)) {
      expect(role.actions).toContain('Microsoft.KeyVault/vaults/read');
      expect(role.dataActions).toContain('Microsoft.KeyVault/vaults/keys/read');
    }
  });

  it('grants nothing else: no wildcard, no write the remediators do not declare, no role assignment writes', () => {
    const declared = new Set(REMEDIATORS.flatMap((r) => r.armActions).map((a) => a.toLowerCase()));
    const reads = new Set(Object.values(READS_BY_TYPE).flatMap((r) => [...r.actions, ...(r.dataActions ?? [])]).map((a) => a.toLowerCase()));
    reads.add(DIAGNOSTIC_SETTINGS_READ.toLowerCase());
    for (const action of RESOURCE_GRAPH_READS.actions) reads.add(action.toLowerCase());
    for (const action of [...role.actions, ...role.dataActions]) {
      expect(action).not.toContain('*');
      expect(declared.has(action.toLowerCase()) || reads.has(action.toLowerCase()), `${action} is neither a declared armAction nor a family read`).toBe(true);
    }
    expect(role.actions).not.toContain('Microsoft.Authorization/roleAssignments/write');
    expect(role.notActions).toEqual([]);
    expect(role.notDataActions).toEqual([]);
  });

  it('lets the sweep query Resource Graph and resolve management groups (the reads of the rows stay per type)', () => {
    // The query itself, and the subscription rows (resourcecontainers) of a management group.
    expect(RESOURCE_GRAPH_READS.actions).toEqual(['Microsoft.ResourceGraph/resources/read', 'Microsoft.Resources/subscriptions/read']);
    for (const action of RESOURCE_GRAPH_READS.actions) expect(role.actions, action).toContain(action);
    expect(rolePermissions([], []).actions).toEqual([...RESOURCE_GRAPH_READS.actions].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase())));
    // Reads only: nothing of Resource Graph that writes (shared queries) or reaches further.
    for (const action of role.actions.filter((a) => a.startsWith('Microsoft.ResourceGraph/') || a.startsWith('Microsoft.Resources/'))) expect(action).toMatch(/\/read$/);
  });

  it('throws for a readable type nobody said how to read', () => {
    expect(() => rolePermissions([], ['Microsoft.Compute/virtualMachines'])).toThrow(/no read actions known for Microsoft\.Compute\/virtualMachines/);
  });
});

describe('infra/event-filters.json', () => {
  it('is exactly what the code derives (run `npm run gen:role` after changing a remediator\'s types or triggers)', () => {
    expect(readFileSync(join(root, EVENT_FILTERS_FILE), 'utf8')).toBe(serialize(eventFiltersJson(REMEDIATORS)));
    expect(filters.includedEventTypes).toEqual([...INCLUDED_EVENT_TYPES]);
    expect(filters.operationNamePrefixes.length).toBeLessThanOrEqual(MAX_ADVANCED_FILTER_VALUES);
  });

  it('maps sub-resources judged with a parent onto it (immutability policies, diagnostic settings on monitored types)', () => {
    const judgedAs = operationTypesJudgedAs();
    expect(lower(judgedAs.get(BLOB_CONTAINER.toLowerCase()) ?? [])).toContain(IMMUTABILITY_POLICY.toLowerCase());
    expect(lower(judgedAs.get(BLOB_SERVICE.toLowerCase()) ?? [])).toContain(DIAGNOSTIC_SETTING.toLowerCase());
    expect(lower(judgedAs.get(KEY_VAULT.toLowerCase()) ?? [])).toContain(DIAGNOSTIC_SETTING.toLowerCase());
  });

  it('lets through every operation on every type each remediator handles, for each of its triggers', () => {
    for (const remediator of REMEDIATORS) {
      for (const type of remediator.resourceTypes) {
        for (const kind of remediator.triggers ?? ['write']) {
          const operation = kind === 'write' ? `${type}/write` : kind === 'delete' ? `${type}/delete` : `${type}/someAction/action`;
          expect(passesFilter(operation, filters.operationNamePrefixes), `${remediator.id}: ${operation}`).toBe(true);
        }
      }
    }
    expect(passesFilter(`${IMMUTABILITY_POLICY}/write`, filters.operationNamePrefixes)).toBe(true);
    expect(passesFilter(`${DIAGNOSTIC_SETTING}/delete`, filters.operationNamePrefixes)).toBe(true);
  });

  /**
   * The router itself decides: every (type, operation) an ARM event can carry for the known types —
   * each type on its own and as an extension of each other — is parsed as Event Grid delivers it and
   * routed; whatever reaches a remediator must pass the filter, and what reaches none should not.
   */
  it('passes exactly the events the router hands to a remediator (over every known type, kind and extension)', () => {
    const policy = buildConfig({}).policy;
    // Names the remediators' appliesTo accept (audit containers, audit tables).
    const nameFor = (segment: string): string => ({ containers: 'insights-activity-logs', tables: 'AzureActivity', blobServices: 'default', immutabilityPolicies: 'default' })[segment] ?? 'sample1';
    const idOf = (type: string, scope = `/subscriptions/${SUB}/resourceGroups/rg-sample`): string => {
      const [namespace, ...segments] = type.split('/');
      return `${scope}/providers/${namespace}/${segments.map((s) => `${s}/${nameFor(s)}`).join('/')}`;
    };
    const types = knownResourceTypes();
    const ids = types.flatMap((type) => [{ type, id: idOf(type) }, ...types.filter((t) => t !== type).map((scope) => ({ type, id: idOf(type, idOf(scope)) }))]);
    const kinds = [
      { eventType: 'Microsoft.Resources.ResourceWriteSuccess', op: (t: string) => `${t}/write`, suffix: '' },
      { eventType: 'Microsoft.Resources.ResourceDeleteSuccess', op: (t: string) => `${t}/delete`, suffix: '' },
      { eventType: 'Microsoft.Resources.ResourceActionSuccess', op: (t: string) => `${t}/someAction/action`, suffix: '/someAction' },
    ];
    let routed = 0;
    let dropped = 0;
    for (const { type, id } of ids) {
      for (const kind of kinds) {
        const operationName = kind.op(type);
        const parsed = parseEvent(armWriteEvent(`${id}${kind.suffix}`, { eventType: kind.eventType, operationName }));
        expect(parsed.ok, `${operationName} on ${id}: ${parsed.ok ? '' : parsed.reason}`).toBe(true);
        if (!parsed.ok) continue;
        const handled = routeEvent(parsed.event, REMEDIATORS, policy).length > 0;
        if (handled) routed += 1;
        else dropped += 1;
        if (handled) expect(passesFilter(operationName, filters.operationNamePrefixes), `${operationName} on ${id} is routed but filtered out`).toBe(true);
      }
    }
    expect(routed).toBeGreaterThan(10);
    expect(dropped).toBeGreaterThan(routed);
    // Frequent operations nobody handles stay out (listKeys on every storage account, unrelated providers).
    for (const noise of ['Microsoft.Storage/storageAccounts/listKeys/action', 'Microsoft.Compute/virtualMachines/write', 'Microsoft.Storage/storageAccounts/fileServices/shares/write', 'Microsoft.Resources/deployments/write']) {
      expect(passesFilter(noise, filters.operationNamePrefixes), noise).toBe(false);
    }
  });

  it('drops prefixes another one covers and refuses more than Event Grid takes', () => {
    const many = Array.from({ length: 30 }, (_, i) => ({ id: `r${i}`, resourceTypes: [`Microsoft.Test/type${i}`], armActions: [] }));
    expect(() => operationNameFilters(many)).toThrow(/exceed Event Grid's 25/);
    expect(operationNameFilters([{ id: 'x', resourceTypes: ['Microsoft.Test/a'], armActions: [], triggers: ['write', 'action'] }], new Map())).toEqual(['Microsoft.Test/a/']);
  });
});
