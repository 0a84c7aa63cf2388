import { describe, expect, it } from 'vitest';
import { storageSecureTransfer } from '../../remediators/storage-secure-transfer.js';
import { account, applied, CTX } from '../helpers/snapshots.js';

describe('storage-secure-transfer', () => {
  it('plans HTTPS-only and TLS1_2 in one PATCH for an account that has neither', () => {
    const snapshot = account({ enableHttpsTrafficOnly: false, minimumTlsVersion: 'TLS1_0' });
    const findings = storageSecureTransfer.evaluate(snapshot, CTX);
    expect(findings.map((f) => f.property)).toEqual(['properties.supportsHttpsTrafficOnly', 'properties.minimumTlsVersion']);
    expect(storageSecureTransfer.plan(snapshot, findings)).toEqual([
      { operation: 'storageAccounts.update', method: 'PATCH', resourceId: snapshot.id.id, body: { enableHttpsTrafficOnly: true, minimumTlsVersion: 'TLS1_2' } },
    ]);
  });

  it('never downgrades TLS1_3 and accepts TLS1_2', () => {
    expect(storageSecureTransfer.evaluate(account({ enableHttpsTrafficOnly: true, minimumTlsVersion: 'TLS1_3' }), CTX)).toEqual([]);
    expect(storageSecureTransfer.evaluate(account({ enableHttpsTrafficOnly: true, minimumTlsVersion: 'TLS1_2' }), CTX)).toEqual([]);
  });

  it('raises TLS1_2 to TLS1_3 when the policy asks for it', () => {
    const snapshot = account({ enableHttpsTrafficOnly: true, minimumTlsVersion: 'TLS1_2' });
    const ctx = { ...CTX, policy: { ...CTX.policy, minimumTlsVersion: 'TLS1_3' as const } };
    const findings = storageSecureTransfer.evaluate(snapshot, ctx);
    expect(storageSecureTransfer.plan(snapshot, findings)[0]?.body).toEqual({ minimumTlsVersion: 'TLS1_3' });
  });

  it('treats an absent minimumTlsVersion as the TLS1_0 platform default', () => {
    const findings = storageSecureTransfer.evaluate(account({ enableHttpsTrafficOnly: true }), CTX);
    expect(findings.map((f) => f.property)).toEqual(['properties.minimumTlsVersion']);
  });

  it('is idempotent: plan(applied(plan(x))) is []', () => {
    const snapshot = account({ enableHttpsTrafficOnly: false, minimumTlsVersion: 'TLS1_1' });
    const fixed = applied(snapshot, storageSecureTransfer.plan(snapshot, storageSecureTransfer.evaluate(snapshot, CTX)));
    expect(storageSecureTransfer.plan(fixed!, storageSecureTransfer.evaluate(fixed!, CTX))).toEqual([]);
  });
});
