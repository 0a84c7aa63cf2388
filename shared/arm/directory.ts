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
}

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
    try {
      const request = createPipelineRequest({
        url: `${this.endpoint}/v1.0/directoryObjects/getByIds`,
        method: 'POST',
        headers: createHttpHeaders({ 'content-type': 'application/json' }),
        body: JSON.stringify({ ids: [principalId] }),
        ...(signal === undefined ? {} : { abortSignal: signal }),
      });
      const response = await this.pipeline.sendRequest(this.client, request);
      if (response.status !== 200 || typeof response.bodyAsText !== 'string') return 'unknown';
      const body = JSON.parse(response.bodyAsText) as { value?: unknown };
      if (!Array.isArray(body.value)) return 'unknown';
      const found = body.value.some((o) => typeof o === 'object' && o !== null && String((o as { id?: unknown }).id).toLowerCase() === principalId.toLowerCase());
      return found ? 'exists' : 'deleted';
    } catch {
      return 'unknown';
    }
  }
}
