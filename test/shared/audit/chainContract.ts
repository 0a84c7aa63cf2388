/**
 * What every audit adapter must do, written once and run against each SegmentStore (files
 * here, append blobs on Azurite in blobChain.test.ts): one history, seq from 1, write grouping,
 * roll-over, concurrent writers, and every kind of tampering caught by `verify`.
 */
import { describe, expect, it } from 'vitest';
import { AuditChain } from '../../../shared/audit/chain.js';
import type { AuditRecord } from '../../../shared/audit/record.js';
import type { SegmentStore } from '../../../shared/audit/segments.js';
import type { PublicKeyResolver, Signer } from '../../../shared/audit/signer.js';
import { verifyAudit } from '../../../shared/audit/verify.js';

export interface ChainWorld {
  chain: SegmentStore;
  heads: SegmentStore;
  /** A second, independent client on the same storage (another Function instance). */
  otherChain(): SegmentStore;
  otherHeads(): SegmentStore;
  signer: Signer;
  keys: PublicKeyResolver;
  /** Replaces a segment's content (the tampering an attacker with storage access could do). */
  rewrite(store: 'chain' | 'heads', segment: string, content: string): Promise<void>;
  remove(store: 'chain' | 'heads', segment: string): Promise<void>;
}

export function describeChainContract(name: string, makeWorld: () => Promise<ChainWorld>): void {
  function chainOf(world: ChainWorld, extra: Partial<ConstructorParameters<typeof AuditChain>[0]> = {}): AuditChain {
    return new AuditChain({ chain: world.chain, heads: world.heads, signer: world.signer, checkpointEvery: { records: 1, ms: 0 }, ...extra });
  }

  async function fill(world: ChainWorld, n: number): Promise<AuditRecord[]> {
    const chain = chainOf(world);
    const records: AuditRecord[] = [];
    for (let i = 0; i < n; i++) {
      records.push(await chain.append({ kind: 'decision', decision: 'compliant', resourceId: `/r/${i}` }));
      if (i % 3 === 2) await chain.sync();
    }
    await chain.close();
    return records;
  }

  async function firstSegment(world: ChainWorld): Promise<{ segment: string; lines: string[] }> {
    const segment = (await world.chain.list())[0]!;
    return { segment, lines: (await world.chain.read(segment)).trimEnd().split('\n') };
  }

  const verify = (world: ChainWorld) => verifyAudit(world.chain, world.heads, world.keys);

  describe(`${name}: audit chain contract`, () => {
    it('numbers records from 1, links them, signs heads, and verifies intact', async () => {
      const world = await makeWorld();
      const records = await fill(world, 7);
      expect(records.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
      expect(await verify(world)).toMatchObject({ ok: true, records: 7, lastSeq: 7, lastSignedSeq: 7 });
    });

    it('continues one history across writers that come and go (process restarts)', async () => {
      const world = await makeWorld();
      await fill(world, 3);
      const again = new AuditChain({ chain: world.otherChain(), heads: world.otherHeads(), signer: world.signer });
      expect((await again.append({ kind: 'decision' })).seq).toBe(4);
      await again.close();
      expect((await verify(world)).ok).toBe(true);
    });

    it('groups concurrent appends into few blocks, each with its final seq', async () => {
      const world = await makeWorld();
      const chain = chainOf(world);
      const records = await Promise.all(Array.from({ length: 200 }, (_, i) => chain.append({ kind: 'decision', reason: `r${i}` })));
      await chain.close();
      expect(records.map((r) => r.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
      expect((await verify(world)).ok).toBe(true);
      const stat = await world.chain.stat((await world.chain.list())[0]!);
      if (stat!.blocks > 0) expect(stat!.blocks).toBeLessThan(50);
    });

    it('lets two concurrent writers on one storage produce one valid history', async () => {
      const world = await makeWorld();
      const a = chainOf(world);
      const b = new AuditChain({ chain: world.otherChain(), heads: world.otherHeads(), signer: world.signer, checkpointEvery: { records: 1, ms: 0 } });
      const writes: Promise<AuditRecord>[] = [];
      for (let i = 0; i < 60; i++) {
        writes.push(a.append({ kind: 'decision', reason: `a${i}` }));
        writes.push(b.append({ kind: 'decision', reason: `b${i}` }));
        if (i % 10 === 0) await Promise.all(writes.slice(-2));
      }
      const records = await Promise.all(writes);
      await Promise.all([a.close(), b.close()]);
      expect(new Set(records.map((r) => r.seq)).size).toBe(120);
      expect(await verify(world)).toMatchObject({ ok: true, records: 120 });
    });

    it('rolls to a new segment at a day boundary and before the block limit, through rollover records', async () => {
      const world = await makeWorld();
      let now = new Date('2026-11-23T23:59:58Z');
      const chain = chainOf(world, { clock: () => now, maxBlocksPerSegment: 3 });
      for (let i = 0; i < 5; i++) await chain.append({ kind: 'decision', reason: `d1-${i}` });
      now = new Date('2026-11-24T00:00:01Z');
      for (let i = 0; i < 2; i++) await chain.append({ kind: 'decision', reason: `d2-${i}` });
      await chain.close();
      const segments = await world.chain.list();
      expect(segments.some((s) => s.startsWith('2026-11-24/'))).toBe(true);
      const report = await verify(world);
      expect(report.ok).toBe(true);
      expect(report.segments).toBe(segments.length);
      // Files have no block limit: only the day rolls them; append blobs also roll at the block limit.
      expect(segments.length).toBeGreaterThanOrEqual(2);
    });

    it.each([
      ['modified', (l: string[]) => { l[2] = l[2]!.replace('/r/2', '/r/X'); }, 'modified', 3],
      ['removed', (l: string[]) => { l.splice(2, 1); }, 'removed', 3],
      ['reordered', (l: string[]) => { [l[2], l[3]] = [l[3]!, l[2]!]; }, 'reordered', 3],
      ['inserted', (l: string[]) => { l.splice(2, 0, l[1]!); }, 'inserted', 3],
      ['truncated', (l: string[]) => { l.splice(4); }, 'truncated', 0],
    ] as const)('detects a %s record and names it', async (_label, tamper, kind, line) => {
      const world = await makeWorld();
      await fill(world, 6);
      const { segment, lines } = await firstSegment(world);
      tamper(lines);
      await world.rewrite('chain', segment, `${lines.join('\n')}\n`);
      const report = await verify(world);
      expect(report.ok).toBe(false);
      expect(report.problem?.kind).toBe(kind);
      if (line > 0) expect(report.problem?.line).toBe(line);
    });

    it('detects a signed head that was altered', async () => {
      const world = await makeWorld();
      await fill(world, 4);
      const headSegment = (await world.heads.list())[0]!;
      const heads = (await world.heads.read(headSegment)).trimEnd().split('\n');
      const altered = heads.map((h, i) => (i === heads.length - 1 ? JSON.stringify({ ...(JSON.parse(h) as object), time: '2020-01-01T00:00:00.000Z' }) : h));
      await world.rewrite('heads', headSegment, `${altered.join('\n')}\n`);
      expect((await verify(world)).problem?.kind).toBe('bad-signature');
    });

    it('detects a deleted segment in the middle of the history', async () => {
      const world = await makeWorld();
      let now = new Date('2026-11-23T10:00:00Z');
      const chain = chainOf(world, { clock: () => now });
      for (const day of ['2026-11-23', '2026-11-24', '2026-11-25']) {
        now = new Date(`${day}T10:00:00Z`);
        await chain.append({ kind: 'decision', reason: day });
      }
      await chain.close();
      const segments = await world.chain.list();
      expect(segments).toHaveLength(3);
      await world.remove('chain', segments[1]!);
      expect((await verify(world)).problem?.kind).toBe('removed');
    });
  });
}
