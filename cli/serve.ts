/**
 * `hipaa-remediator serve`: the webhook host. With AZURE_SUBSCRIPTION_ID it serves Azure;
 * otherwise it starts the embedded sandbox, subscribes itself to the sandbox's Event Grid
 * (validation handshake included) and, unless --no-demo, lets simulated users drift the
 * seeded subscription so decisions can be watched as they happen.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { HEALTHCARE_AUDIT_WORKSPACE_ID, healthcareSubscription, type SandboxChange } from '../sandbox/index.js';
import { createRuntime, resolveHome } from '../shared/composition.js';
import { loadConfig } from '../shared/config.js';
import { createLogger } from '../shared/log.js';
import type { ChangeResult } from '../shared/result.js';
import { startWebhookServer } from '../shared/webhookServer.js';
import { azureConnection, azureSubscriptionId } from '../shared/arm/azure.js';
import { startDrift } from './demo.js';
import { adminApi } from '../shared/admin/host.js';
import { authenticatorFromEnv } from '../shared/admin/authFromEnv.js';
import { ensureLocalAdminToken, localTokenAuthenticator } from '../shared/admin/localToken.js';
import { configuredAudit, configuredAuditVerifier } from '../shared/audit/configured.js';
import { configuredModeStore } from '../shared/modes/configured.js';
import { configuredAlertStore } from '../shared/alerts/configured.js';
import { verifyLocalAudit } from '../shared/audit/local.js';
import { formatAlert, formatResult, shortResource } from './output.js';
import { AzureKeyCredential } from '@azure/core-auth';
import type { AlertMessage } from '../shared/alerts/message.js';
import { EventGridSink } from '../shared/alerts/sinks/eventGrid.js';
import { configuredSinks } from '../shared/alerts/sinks/configured.js';
import { openSandbox, readStateFile, SANDBOX_SERVICE_IDENTITY } from './sandboxSession.js';
import { COMMON_OPTIONS, EXIT, parse, UsageError } from './usage.js';
import { configuredReportSource, localReportSource } from '../shared/report/source.js';

export async function serveCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    ...COMMON_OPTIONS,
    port: { type: 'string', default: '7071' },
    sandbox: { type: 'string' },
    'no-demo': { type: 'boolean', default: false },
    'demo-interval': { type: 'string', default: '4000' },
    'sweep-interval': { type: 'string', default: '900' },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument: ${positionals[0]}`);
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be 0-65535, got ${values.port}`);
  const demoInterval = Number(values['demo-interval']);
  if (!Number.isInteger(demoInterval) || demoInterval < 250) throw new UsageError('--demo-interval must be an integer ≥ 250 (ms)');
  const sweepInterval = Number(values['sweep-interval']);
  if (!Number.isInteger(sweepInterval) || sweepInterval < 0) throw new UsageError('--sweep-interval must be an integer ≥ 0 (seconds; 0 = only at start)');

  const home = resolveHome(values.home);
  const azure = azureSubscriptionId() !== undefined;
  // On the demo console every decision and alert is already a readable line: JSON logs only for errors.
  const log = createLogger({ level: process.env['LOG_LEVEL'] ?? (azure ? 'info' : 'error') });
  const config = await loadConfig(values.config);
  const print = (line: string): void => {
    process.stdout.write(`${new Date().toISOString().slice(11, 19)}  ${line}\n`);
  };
  // The service's own writes come back as events; one line per such event is enough on a console.
  const ownEvents = new Set<string>();
  const onResult = (result: ChangeResult): void => {
    if (result.decision === 'skipped' && result.reason?.includes('own identity') && result.eventId !== null) {
      if (ownEvents.has(result.eventId)) return;
      ownEvents.add(result.eventId);
      if (ownEvents.size > 10_000) ownEvents.clear();
      return print(`ignored  own change to ${shortResource(result.resourceId)} (no loop)  audit #${String(result.auditSeq)}`);
    }
    // A sweep's compliant resources are summed up in its summary line, not listed; events no remediator handles are noise here.
    if (result.decision === 'compliant' && result.eventId?.startsWith('sweep:') === true) return;
    if (result.decision === 'skipped' && result.remediator === null) return;
    print(`decision ${formatResult(result)}`);
  };

  if (azure) {
    const arm = azureConnection();
    const audit = await configuredAudit(process.env, arm.credential, log);
    const modeStore = await configuredModeStore(process.env, home, () => arm.credential);
    const alertStore = await configuredAlertStore(process.env, home, () => arm.credential);
    const runtime = await createRuntime({ home, config, arm, log, onResult, modeStore, alertStore, ...(audit === undefined ? {} : { audit }) });
    const key = process.env['HIPAA_REMEDIATOR_WEBHOOK_KEY'];
    const host = process.env['HIPAA_REMEDIATOR_LISTEN'] ?? '127.0.0.1';
    if (host !== '127.0.0.1' && host !== 'localhost' && (key === undefined || key.length < 32)) {
      throw new UsageError('listening beyond loopback needs HIPAA_REMEDIATOR_WEBHOOK_KEY (at least 32 characters)');
    }
    const admin = adminApi(runtime, await authenticatorFromEnv(process.env, home), configuredAuditVerifier(process.env, home, arm.credential), () => configuredReportSource(process.env, home, arm.credential));
    const webhook = await startWebhookServer({ port, host, processBatch: (b) => runtime.pipeline.processBatch(b), log, admin, ...(key === undefined ? {} : { key }) });
    const watched = [`${config.scope.subscriptions.length} subscription(s) (${config.scope.subscriptions.join(', ')})`, ...config.scope.managementGroups.map((mg) => `management group ${mg}`)].join(' and ');
    print(`serving Azure, watching ${watched}: Event Grid webhook at ${webhook.url}${key === undefined ? '' : '?code=…'}`);
    await untilSignal();
    await webhook.close();
    await runtime.audit.close();
    return EXIT.ok;
  }

  const state = values.sandbox === undefined ? healthcareSubscription() : await readStateFile(values.sandbox);
  const session = await openSandbox(state);
  const selfIds = new Set([...config.selfIds, SANDBOX_SERVICE_IDENTITY.objectId, SANDBOX_SERVICE_IDENTITY.appId]);
  // The seeded subscription has its audit workspace: diagnostic settings are restored to it unless the config names another.
  const seededWorkspace = values.sandbox === undefined && config.policy.diagnosticSettings.workspaceId === undefined;
  const policy = seededWorkspace ? { ...config.policy, diagnosticSettings: { ...config.policy.diagnosticSettings, workspaceId: HEALTHCARE_AUDIT_WORKSPACE_ID } } : config.policy;
  // Alerts go where the config says, and to the sandbox's own Event Grid topic through the real publisher.
  const alertSinks = [
    ...configuredSinks(config.alerts.sinks, { env: process.env, log, credential: () => session.connection.credential, ca: session.sandbox.ca }),
    new EventGridSink({ name: 'sandbox-topic', minSeverity: 'low', endpoint: session.sandbox.topicEndpoint, credential: new AzureKeyCredential(session.sandbox.topicKey), ca: session.sandbox.ca }),
  ];
  const runtime = await createRuntime({ home, config: { ...config, selfIds, policy }, arm: session.connection, log, subscriptions: session.subscriptions, onResult, alertSinks });
  session.sandbox.topic.onReceive(({ event }) => {
    const data = (event as { data?: AlertMessage }).data;
    if (data?.schema === 'hipaa-remediator.alert/1') print(`alert    ${formatAlert(data)}  → Event Grid topic`);
  });
  const adminToken = await ensureLocalAdminToken(home);
  const admin = adminApi(runtime, localTokenAuthenticator(adminToken.token), () => verifyLocalAudit(home), () => localReportSource(home), { tokenPath: adminToken.path });
  const webhook = await startWebhookServer({ port, processBatch: (b) => runtime.pipeline.processBatch(b), log, admin });
  session.sandbox.onChange((change: SandboxChange) => {
    const who = change.caller.objectId === SANDBOX_SERVICE_IDENTITY.objectId ? 'hipaa-remediator (self)' : `${change.caller.principalType} ${change.caller.objectId.slice(0, 8)}…`;
    print(`change   ${change.operation.padEnd(6)} ${shortResource(change.resourceId)} by ${who}`);
  });
  await session.sandbox.eventGrid.subscribe({ name: 'hipaa-remediator', endpoint: webhook.url, maxEventsPerBatch: 10 });

  print(`sandbox ARM at ${session.sandbox.url} (${state.resources.length} resources), Event Grid → ${webhook.url}`);
  print(`audit log: ${runtime.audit.location}`);
  print(`alerts: ${alertSinks.map((sink) => sink.name).join(', ')} (state in ${runtime.alertStore.location}); the sandbox topic is ${session.sandbox.topicEndpoint}`);
  print(`admin API: ${webhook.url.replace(/\/api\/events$/, '/api/admin/modes')} (Authorization: Bearer <token in ${adminToken.path}>)`);
  print(`operator console: ${webhook.url.replace(/\/api\/events$/, '/console')} (sign in with the token in ${adminToken.path})`);
  // The sweep finds what no event reported (and what time alone expired): once at start, then on a timer.
  const runSweep = (): void => {
    runtime.pipeline.sweep(randomUUID()).then(
      (outcome) => print(`sweep    ${outcome.resources} resources: ${outcome.summary.remediated} remediated, ${outcome.summary.alerted} alerted, ${outcome.summary.compliant} compliant`),
      (error: unknown) => print(`sweep    failed: ${error instanceof Error ? error.message : String(error)}`),
    );
  };
  runSweep();
  const sweepTimer = sweepInterval > 0 ? setInterval(runSweep, sweepInterval * 1000) : undefined;
  const stopDrift = values['no-demo'] ? () => undefined : startDrift(session.sandbox, webhook.url.replace(/\/api\/events$/, ''), adminToken.token, log, demoInterval, print);
  if (!values['no-demo']) print(`demo: a simulated user changes a resource every ${demoInterval} ms (--no-demo to stop it); Ctrl+C to quit`);

  await untilSignal();
  clearInterval(sweepTimer);
  stopDrift();
  const saved = join(home, 'sandbox-state.json');
  await session.save(saved);
  await webhook.close();
  await session.close();
  await runtime.audit.close();
  print(`sandbox state saved to ${saved}`);
  return EXIT.ok;
}

function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}
