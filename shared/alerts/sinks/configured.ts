/**
 * The sinks the configuration names, built once at start. A sink whose secret variable is
 * missing is a configuration error: the service refuses to start rather than page nobody.
 */
import { AzureKeyCredential, type TokenCredential } from '@azure/core-auth';
import { ConfigError, type AlertSinkConfig } from '../../config.js';
import type { Logger } from '../../log.js';
import { EventGridSink } from './eventGrid.js';
import { LogSink } from './log.js';
import type { AlertSink } from './sink.js';
import { WebhookSink } from './webhook.js';

export interface SinkEnvironment {
  env: NodeJS.ProcessEnv;
  log: Logger;
  /** The service's Entra identity, for topics without an access key. */
  credential: () => TokenCredential;
  /** Extra CA to trust (the sandbox's topic, a test receiver). */
  ca?: string;
}

/** Set by the deployment (infra): the alerts topic, published to with the service's managed identity. */
export const ALERT_TOPIC_ENV = 'HIPAA_REMEDIATOR_ALERT_TOPIC_ENDPOINT';

export function configuredSinks(sinks: readonly AlertSinkConfig[], environment: SinkEnvironment): AlertSink[] {
  const built = [new LogSink(environment.log), ...sinks.map((sink) => buildSink(sink, environment))];
  const topic = environment.env[ALERT_TOPIC_ENV];
  if (topic !== undefined && topic.length > 0 && !built.some((sink) => sink.name === 'alert-topic')) {
    if (!topic.startsWith('https://')) throw new ConfigError(`${ALERT_TOPIC_ENV} must be an https URL`);
    built.push(new EventGridSink({ name: 'alert-topic', minSeverity: 'low', endpoint: topic, credential: environment.credential(), ...(environment.ca === undefined ? {} : { ca: environment.ca }) }));
  }
  return built;
}

function buildSink(sink: AlertSinkConfig, { env, credential, ca }: SinkEnvironment): AlertSink {
  const secret = (name: string): string => {
    const value = env[name];
    if (value === undefined || value.length === 0) throw new ConfigError(`alert sink "${sink.name}": environment variable ${name} is not set`);
    return value;
  };
  const trust = ca === undefined ? {} : { ca };
  switch (sink.type) {
    case 'eventGrid':
      return new EventGridSink({
        name: sink.name,
        minSeverity: sink.minSeverity,
        endpoint: sink.endpoint,
        credential: sink.keyEnv === undefined ? credential() : new AzureKeyCredential(secret(sink.keyEnv)),
        ...trust,
      });
    case 'webhook':
      try {
        return new WebhookSink({
          name: sink.name,
          minSeverity: sink.minSeverity,
          url: secret(sink.urlEnv),
          format: sink.format,
          ...(sink.secretEnv === undefined ? {} : { secret: secret(sink.secretEnv) }),
          ...trust,
        });
      } catch (error) {
        if (error instanceof ConfigError) throw error;
        throw new ConfigError(error instanceof Error ? error.message : String(error));
      }
  }
}
