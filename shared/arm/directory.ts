/**
 * Does a principal still exist? Microsoft Graph `directoryObjects/getByIds` through the Azure
 * SDK's own HTTP pipeline (bearer token, retries, TLS options), so no Graph SDK is needed for
 * one call. A principal counts as deleted only when Graph positively leaves it out of a
 * successful answer; any error is "unknown", never "deleted".
 */
import type { TokenCredential } from '@azure/core-auth';
import {
  bearerTokenAuthenticationPolicy,
  createDefaultHttpClient,
  createHttpHeaders,
  createPipelineFromOptions,
  createPipelineRequest,
  type Pipeline,
} from '@azure/core-rest-pipeline';
import type { PrincipalStatus } from './snapshot.js';

export interface DirectoryLookup {
  status(principalId: string, signal?: AbortSignal): Promise<PrincipalStatus>;
  /** Many at once (the sweep): one call per 1,000 ids, Graph's limit. Keys are lower-case. */
  statuses(principalIds: readonly string[], signal?: AbortSignal): Promise<Map<string, PrincipalStatus>>;
}

const GET_BY_IDS_LIMIT = 1000;

export class GraphDirectory implements DirectoryLookup {
  private readonly pipeline: Pipeline;
  private readonly client = createDefaultHttpClient();

  constructor(
    credential: TokenCredential,
    private readonly endpoint: string = 'https://graph.microsoft.com',
    ca?: string,
  ) {
    this.pipeline = createPipelineFromOptions({ retryOptions: { maxRetries: 2 }, ...(ca === undefined ? {} : { tlsOptions: { ca } }) });
    this.pipeline.addPolicy(bearerTokenAuthenticationPolicy({ credential, scopes: 'https://graph.microsoft.com/.default' }));
  }

  async status(principalId: string, signal?: AbortSignal): Promise<PrincipalStatus> {
    return (await this.statuses([principalId], signal)).get(principalId.toLowerCase()) ?? 'unknown';
  }

  async statuses(principalIds: readonly string[], signal?: AbortSignal): Promise<Map<string, PrincipalStatus>> {
    const result = new Map<string, PrincipalStatus>();
    for (let i = 0; i < principalIds.length; i += GET_BY_IDS_LIMIT) {
      const ids = principalIds.slice(i, i + GET_BY_IDS_LIMIT).map((id) => id.toLowerCase());
      const found = await this.lookup(ids, signal);
      for (const id of ids) result.set(id, found === undefined ? 'unknown' : found.has(id) ? 'exists' : 'deleted');
    }
    return result;
  }

  /** The ids Graph returned, or undefined when it could not answer (then nothing is "deleted"). */
  private async lookup(ids: readonly string[], signal?: AbortSignal): Promise<Set<string> | undefined> {
    try {
      const request = createPipelineRequest({
        url: `${this.endpoint}/v1.0/directoryObjects/getByIds`,
        method: 'POST',
        headers: createHttpHeaders({ 'content-type': 'application/json' }),
        body: JSON.stringify({ ids }),
        ...(signal === undefined ? {} : { abortSignal: signal }),
      });
      const response = await this.pipeline.sendRequest(this.client, request);
      if (response.status !== 200 || typeof response.bodyAsText !== 'string') return undefined;
      const body = JSON.parse(response.bodyAsText) as { value?: unknown };
      if (!Array.isArray(body.value)) return undefined;
      return new Set(body.value.map((o) => String((o as { id?: unknown } | null)?.id ?? '').toLowerCase()));
    } catch {
      return undefined;
    }
  }
}
