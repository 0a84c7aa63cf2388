/**
 * Child process for the memory benchmark: one 5,000-event batch through the pipeline against
 * a sandbox the parent runs (URL and CA in the environment); prints peak RSS as JSON.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SANDBOX_SERVICE_IDENTITY, sandboxConnection } from '../shared/arm/sandboxConnection.js';
import { createRuntime } from '../shared/composition.js';
import { buildConfig } from '../shared/config.js';
import { createLogger } from '../shared/log.js';
import { realisticMix } from './events.js';

const url = process.env['BENCH_SANDBOX_URL'];
const caFile = process.env['BENCH_SANDBOX_CA'];
const subscription = process.env['BENCH_SUBSCRIPTION'] ?? '';
const accounts = (process.env['BENCH_ACCOUNTS'] ?? '').split(',').filter((a) => a.length > 0);
if (url === undefined || caFile === undefined) throw new Error('BENCH_SANDBOX_URL and BENCH_SANDBOX_CA are required');

const base = buildConfig({ maxRemediationsPerBatch: 10_000 }, {});
const runtime = await createRuntime({
  home: await mkdtemp(join(tmpdir(), 'hipaa-bench-rss-')),
  config: { ...base, selfIds: new Set([SANDBOX_SERVICE_IDENTITY.objectId]) },
  arm: sandboxConnection(url, await readFile(caFile, 'utf8')),
  log: createLogger({ level: 'silent' }),
});
const body = JSON.parse(JSON.stringify(realisticMix(subscription, accounts, 5000))) as unknown;
const before = process.memoryUsage().rss;
// Sampled, not getrusage's maxRSS: on Linux that high-water mark survives fork+exec, so a child
// of a large bench process reports its parent's size at the fork, not its own peak.
let peak = before;
const sampler = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage().rss);
}, 5);
const started = performance.now();
const { summary } = await runtime.pipeline.processBatch(body);
const seconds = (performance.now() - started) / 1000;
clearInterval(sampler);
peak = Math.max(peak, process.memoryUsage().rss);
await runtime.audit.close();
process.stdout.write(`${JSON.stringify({ peakRssMb: Math.round(peak / 1048576), maxRssReportedMb: Math.round(process.resourceUsage().maxRSS / 1024), rssBeforeBatchMb: Math.round(before / 1048576), seconds: +seconds.toFixed(2), summary })}\n`);
