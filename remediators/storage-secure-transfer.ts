import type { StorageAccountUpdateParameters } from '@azure/arm-storage';
import type { SnapshotOf } from '../shared/arm/snapshot.js';
import { STORAGE_ACCOUNT } from '../shared/arm/resourceTypes.js';
import type { Change, Finding, Remediator } from '../shared/remediator.js';

type Snapshot = SnapshotOf<typeof STORAGE_ACCOUNT>;

const TLS_RANK: Record<string, number> = { TLS1_0: 0, TLS1_1: 1, TLS1_2: 2, TLS1_3: 3 };

/** ePHI must not cross the network in clear text or over TLS versions with known weaknesses. */
export const storageSecureTransfer: Remediator<Snapshot> = {
  id: 'storage-secure-transfer',
  title: 'Storage accounts accept only HTTPS with TLS 1.2 or later',
  controls: ['transmission-security', 'encryption-in-transit'],
  resourceTypes: [STORAGE_ACCOUNT],
  armActions: ['Microsoft.Storage/storageAccounts/write'],
  defaultMode: 'remediate',

  evaluate(snapshot, ctx) {
    const findings: Finding[] = [];
    const account = snapshot.resource;
    if (account.enableHttpsTrafficOnly !== true) {
      findings.push({
        controls: ['transmission-security', 'encryption-in-transit'],
        property: 'properties.supportsHttpsTrafficOnly',
        actual: account.enableHttpsTrafficOnly ?? null,
        expected: true,
        message: 'storage account accepts unencrypted HTTP traffic',
      });
    }
    const tls = account.minimumTlsVersion;
    // An unknown future version string is not evidence of weakness; absent is (old accounts default to TLS1_0).
    const rank = tls === undefined ? 0 : TLS_RANK[tls];
    if (rank !== undefined && rank < (TLS_RANK[ctx.policy.minimumTlsVersion] ?? 2)) {
      findings.push({
        controls: ['encryption-in-transit', 'transmission-security'],
        property: 'properties.minimumTlsVersion',
        actual: tls ?? null,
        expected: ctx.policy.minimumTlsVersion,
        message: `storage account accepts ${tls ?? 'TLS1_0 (default)'}, below ${ctx.policy.minimumTlsVersion}`,
      });
    }
    return findings;
  },

  plan(snapshot, findings): Change[] {
    const body: StorageAccountUpdateParameters = {};
    for (const finding of findings) {
      if (finding.property === 'properties.supportsHttpsTrafficOnly') body.enableHttpsTrafficOnly = true;
      if (finding.property === 'properties.minimumTlsVersion' && (finding.expected === 'TLS1_2' || finding.expected === 'TLS1_3')) {
        body.minimumTlsVersion = finding.expected;
      }
    }
    if (Object.keys(body).length === 0) return [];
    return [{ operation: 'storageAccounts.update', method: 'PATCH', resourceId: snapshot.id.id, body }];
  },
};
