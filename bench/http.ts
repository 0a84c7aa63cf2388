/**
 * The HTTP side: end-to-end remediation latency through the webhook host (`serve`) against the
 * sandbox beside the bare SDK round trips it needs, and the host's request rate on batches of
 * irrelevant events beside a bare node:http server that answers 200.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { StorageManagementClient } from '@azure/arm-storage';
import type { Runtime } from '../shared/composition.js';
import { startWebhookServer } from '../shared/webhookServer.js';
import { armEvent } from './events.js';

export function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

async function post(url: string, body: string): Promise<number> {
  const response = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', 'aeg-event-type': 'Notification' } });
  await response.arrayBuffer();
  return response.status;
}

export async function endToEndLatency(
  runtime: Runtime,
  subscription: string,
  accountId: string,
  breakIt: () => Promise<unknown>,
  iterations: number,
): Promise<{ medianMs: number }> {
  const server = await startWebhookServer({ port: 0, processBatch: (b) => runtime.pipeline.processBatch(b), log: runtime.log });
  try {
    const samples: number[] = [];
    for (let i = 0; i < iterations; i++) {
      await breakIt();
      const body = JSON.stringify([armEvent(subscription, accountId, 'Microsoft.Storage/storageAccounts/write')]);
      const start = performance.now();
      const status = await post(server.url, body);
      samples.push(performance.now() - start);
      if (status !== 200) throw new Error(`webhook answered ${status}`);
    }
    return { medianMs: median(samples) };
  } finally {
    await server.close();
  }
}

export async function rawGetPatch(client: StorageManagementClient, resourceGroup: string, account: string, breakIt: () => Promise<unknown>, iterations: number): Promise<{ medianMs: number }> {
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    await breakIt();
    const start = performance.now();
    await client.storageAccounts.getProperties(resourceGroup, account);
    await client.storageAccounts.update(resourceGroup, account, { allowBlobPublicAccess: false });
    samples.push(performance.now() - start);
  }
  return { medianMs: median(samples) };
}

/** Requests per second with `concurrency` clients in flight, for `seconds`. */
async function requestRate(url: string, body: string, concurrency: number, seconds: number): Promise<number> {
  let done = 0;
  const deadline = performance.now() + seconds * 1000;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        await post(url, body);
        done += 1;
      }
    }),
  );
  return done / ((performance.now() - start) / 1000);
}

export async function webhookRate(runtime: Runtime, subscription: string, seconds: number): Promise<{ hostRps: number; bareRps: number; ratio: number; eventsPerRequest: number }> {
  const eventsPerRequest = 10;
  const body = JSON.stringify(
    Array.from({ length: eventsPerRequest }, (_, i) => armEvent(subscription, `/subscriptions/${subscription}/resourceGroups/rg-apps/providers/Microsoft.Compute/virtualMachines/vm-${i}`, 'Microsoft.Compute/virtualMachines/write')),
  );
  const host = await startWebhookServer({ port: 0, processBatch: (b) => runtime.pipeline.processBatch(b), log: runtime.log });
  const bare = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{}');
    });
  });
  await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', () => resolve()));
  try {
    const bareUrl = `http://127.0.0.1:${(bare.address() as AddressInfo).port}/api/events`;
    await requestRate(bareUrl, body, 8, 0.5);
    await requestRate(host.url, body, 8, 0.5);
    const bareRps = await requestRate(bareUrl, body, 8, seconds);
    const hostRps = await requestRate(host.url, body, 8, seconds);
    return { hostRps: Math.round(hostRps), bareRps: Math.round(bareRps), ratio: +(hostRps / bareRps).toFixed(2), eventsPerRequest };
  } finally {
    await host.close();
    await new Promise<void>((resolve) => bare.close(() => resolve()));
  }
}
