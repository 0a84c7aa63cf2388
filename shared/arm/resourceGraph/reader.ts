/**
 * Azure Resource Graph through `@azure/arm-resourcegraph` (api 2024-04-01): one query, paged
 * with `$skipToken` at 1,000 rows, across many subscriptions at once. ARG's quota is per user
 * per time window and is announced on every response (`x-ms-user-quota-remaining`,
 * `x-ms-user-quota-resets-after` as hh:mm:ss): when it is spent the reader waits for the reset
 * instead of spending a request on a 429; if a 429 comes anyway it waits and asks again.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { QueryRequest, ResourceGraphClient } from '@azure/arm-resourcegraph';
import { classifyArmError, TransientError } from '../../errors.js';
import { armClientOptions, type CallOptions, type ClientSettings } from '../families/family.js';
import type { GraphQuery } from './queries.js';
import { graphRowSchema, type GraphRow } from './rows.js';

/** ARG's largest page. */
export const GRAPH_PAGE_SIZE = 1000;

/** Subscriptions named in one request; a larger scope is queried in chunks (assumed limit, see README). */
export const GRAPH_SUBSCRIPTIONS_PER_QUERY = 1000;

/** Throttled answers in a row before the sweep gives up (and fails, to be run again). */
const MAX_THROTTLED_IN_A_ROW = 6;

/** When a 429 names no reset time: ARG's documented window. */
const DEFAULT_WINDOW_MS = 5000;

export interface GraphScope {
  subscriptions?: readonly string[];
  managementGroups?: readonly string[];
}

export interface GraphPage {
  rows: GraphRow[];
  totalRecords: number;
}

export interface GraphStats {
  /** Requests sent (throttled ones included). */
  queries: number;
  throttled: number;
  /** Time spent waiting for the quota to reset. */
  waitedMs: number;
  /** Rows that did not have a row's shape (no id): left out, and counted so the sweep says so. */
  malformedRows: number;
  /** Families Resource Graph refused (no permission, a query it rejects): listed per subscription instead. */
  fallbacks: { type: string; reason: string }[];
}

export interface GraphReaderOptions {
  clock?: () => number;
  /** Injectable for tests of the back-off arithmetic; defaults to a real, abortable timer. */
  wait?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** `hh:mm:ss` (ARG's format) to milliseconds; undefined when it is not that. */
export function parseQuotaResetsAfter(value: string | null | undefined): number | undefined {
  const match = /^(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?$/.exec(value?.trim() ?? '');
  if (match === null) return undefined;
  const [, h, m, s, fraction] = match;
  const ms = ((Number(h) * 60 + Number(m)) * 60 + Number(s)) * 1000 + (fraction === undefined ? 0 : Math.round(Number(`0.${fraction}`) * 1000));
  return Number.isFinite(ms) ? ms : undefined;
}

export class ResourceGraphReader {
  readonly stats: GraphStats = { queries: 0, throttled: 0, waitedMs: 0, malformedRows: 0, fallbacks: [] };
  private client: Promise<ResourceGraphClient> | undefined;
  private quota: { remaining: number; resetsAt: number } | undefined;
  private readonly clock: () => number;
  private readonly wait: (ms: number, signal?: AbortSignal) => Promise<void>;

  constructor(
    private readonly settings: ClientSettings,
    options: GraphReaderOptions = {},
  ) {
    this.clock = options.clock ?? Date.now;
    this.wait = options.wait ?? ((ms, signal) => sleep(ms, undefined, signal === undefined ? {} : { signal }));
  }

  /**
   * Every page of a query's rows over the scope, in id order per chunk of subscriptions, each
   * with `totalRecords` (of its chunk, as Resource Graph counts them).
   */
  async *pages(query: GraphQuery, scope: GraphScope, options: CallOptions = {}): AsyncIterable<GraphPage> {
    for (const chunk of scopeChunks(scope)) {
      let skipToken: string | undefined;
      do {
        const page = await this.query(query, chunk, skipToken, options);
        skipToken = page.skipToken;
        yield page;
      } while (skipToken !== undefined);
    }
  }

  private async query(query: GraphQuery, scope: GraphScope, skipToken: string | undefined, options: CallOptions): Promise<GraphPage & { skipToken?: string }> {
    const client = await this.resourceGraph();
    const request: QueryRequest = {
      query: query.text,
      ...(scope.subscriptions === undefined ? {} : { subscriptions: [...scope.subscriptions] }),
      ...(scope.managementGroups === undefined ? {} : { managementGroups: [...scope.managementGroups] }),
      options: {
        top: GRAPH_PAGE_SIZE,
        resultFormat: 'objectArray',
        ...(skipToken === undefined ? {} : { skipToken }),
        // Assignments at and below the subscriptions; grants inherited from management groups are theirs.
        ...(query.table === 'authorizationresources' ? { authorizationScopeFilter: 'AtScopeAndBelow' } : {}),
      },
    };
    for (let throttledInARow = 0; ; throttledInARow++) {
      await this.waitForQuota(options.abortSignal);
      this.stats.queries += 1;
      try {
        const response = await client.resources(request, {
          ...(options.abortSignal === undefined ? {} : { abortSignal: options.abortSignal }),
          onResponse: (raw) => this.noteQuota(raw.headers.get('x-ms-user-quota-remaining'), raw.headers.get('x-ms-user-quota-resets-after'), raw.status),
        });
        const rows = this.rowsOf(response.data);
        const totalRecords = Number.isSafeInteger(response.totalRecords) ? response.totalRecords : rows.length;
        return { rows, totalRecords, ...(response.skipToken === undefined || response.skipToken.length === 0 ? {} : { skipToken: response.skipToken }) };
      } catch (error) {
        if (statusOf(error) !== 429) throw classifyArmError(error, '/providers/Microsoft.ResourceGraph/resources');
        this.stats.throttled += 1;
        if (throttledInARow + 1 >= MAX_THROTTLED_IN_A_ROW) {
          throw new TransientError(`Resource Graph kept throttling (${MAX_THROTTLED_IN_A_ROW} answers 429 in a row)`, { cause: error });
        }
        // A 429 with no quota headers still means "not now": wait ARG's documented window.
        if (this.quota === undefined || this.quota.remaining > 0) this.quota = { remaining: 0, resetsAt: this.clock() + DEFAULT_WINDOW_MS };
      }
    }
  }

  private noteQuota(remaining: string | undefined, resetsAfter: string | undefined, status: number): void {
    const left = remaining === undefined ? Number.NaN : Number.parseInt(remaining, 10);
    const resetMs = parseQuotaResetsAfter(resetsAfter);
    if (!Number.isFinite(left) && status !== 429) return;
    this.quota = { remaining: Number.isFinite(left) ? left : 0, resetsAt: this.clock() + (resetMs ?? DEFAULT_WINDOW_MS) };
  }

  private async waitForQuota(signal: AbortSignal | undefined): Promise<void> {
    if (this.quota === undefined || this.quota.remaining > 0) return;
    const ms = this.quota.resetsAt - this.clock();
    this.quota = undefined;
    if (ms <= 0) return;
    this.stats.waitedMs += ms;
    await this.wait(ms, signal);
  }

  private rowsOf(data: unknown): GraphRow[] {
    if (!Array.isArray(data)) throw new TransientError('Resource Graph answered without a row array');
    const rows: GraphRow[] = [];
    for (const item of data) {
      const parsed = graphRowSchema.safeParse(item);
      if (parsed.success) rows.push(parsed.data);
      else this.stats.malformedRows += 1;
    }
    return rows;
  }

  /** Loaded on first use: only the sweep needs it, and cold start pays for every import. */
  private resourceGraph(): Promise<ResourceGraphClient> {
    this.client ??= import('@azure/arm-resourcegraph').then(({ ResourceGraphClient: Client }) => new Client(this.settings.credential, armClientOptions(this.settings)));
    return this.client;
  }
}

function scopeChunks(scope: GraphScope): GraphScope[] {
  if (scope.subscriptions === undefined) return [scope];
  const chunks: GraphScope[] = [];
  for (let i = 0; i < scope.subscriptions.length; i += GRAPH_SUBSCRIPTIONS_PER_QUERY) {
    chunks.push({ ...scope, subscriptions: scope.subscriptions.slice(i, i + GRAPH_SUBSCRIPTIONS_PER_QUERY) });
  }
  return chunks;
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}
