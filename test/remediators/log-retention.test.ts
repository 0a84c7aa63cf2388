import { describe, expect, it } from 'vitest';
import { allowedTotalRetention, logRetention } from '../../remediators/log-retention.js';
import { parseResourceId } from '../../shared/arm/resourceId.js';
import { CTX, logTable, logWorkspace, WORKSPACE_ID } from '../helpers/snapshots.js';

type Snapshot = Parameters<typeof logRetention.evaluate>[0];
const plan = (s: Snapshot) => logRetention.plan(s, logRetention.evaluate(s, CTX));

describe('log-retention (164.316(b)(2)(i), 164.312(b))', () => {
  it('knows the total retention values Log Analytics accepts: days up to 730, then whole years', () => {
    expect(allowedTotalRetention(90)).toBe(90);
    expect(allowedTotalRetention(2190)).toBe(2191);
    expect(allowedTotalRetention(2191)).toBe(2191);
    expect(allowedTotalRetention(731)).toBe(1095);
    expect(allowedTotalRetention(4383)).toBe(4383);
  });

  it('raises a workspace below the interactive minimum with a PATCH of retentionInDays only', () => {
    const workspace = logWorkspace({ retentionInDays: 30, sku: { name: 'PerGB2018' } });
    expect(plan(workspace)).toEqual([{ operation: 'workspaces.update', method: 'PATCH', resourceId: WORKSPACE_ID, body: { retentionInDays: 90 } }]);
    expect(plan(logWorkspace({ retentionInDays: 365 }))).toEqual([]);
  });

  it('reports a Free-tier workspace instead of attempting what the tier refuses', () => {
    const free = logWorkspace({ retentionInDays: 7, sku: { name: 'Free' } });
    expect(logRetention.evaluate(free, CTX)).toMatchObject([{ remediable: false }]);
    expect(plan(free)).toEqual([]);
  });

  it('raises an audit table to six years in total (2191, what the service accepts), never lowering a longer one', () => {
    const table = logTable({ retentionInDays: 90, totalRetentionInDays: 90 });
    expect(plan(table)).toEqual([{ operation: 'tables.update', method: 'PATCH', resourceId: table.id.id, body: { totalRetentionInDays: 2191 } }]);
    expect(plan(logTable({ retentionInDays: 90, totalRetentionInDays: 4383 }))).toEqual([]);
  });

  it('judges only the audit tables the policy names (by id, before any ARM call)', () => {
    expect(logRetention.appliesTo?.(parseResourceId(`${WORKSPACE_ID}/tables/AzureActivity`), CTX.policy)).toBe(true);
    expect(logRetention.appliesTo?.(parseResourceId(`${WORKSPACE_ID}/tables/azureactivity`), CTX.policy)).toBe(true);
    expect(logRetention.appliesTo?.(parseResourceId(`${WORKSPACE_ID}/tables/Perf`), CTX.policy)).toBe(false);
    expect(logRetention.appliesTo?.(parseResourceId(WORKSPACE_ID), CTX.policy)).toBe(true);
  });
});
