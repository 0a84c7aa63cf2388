/**
 * Audit segments as Azure append blobs, one blob per segment: `<prefix><segment name>`.
 *
 * Why conditional appends (the append-position condition) rather than plain appends or a lease:
 * the audit log is one global hash chain that several Function instances extend at the same
 * time. Each writer appends optimistically "only if the segment is still exactly N bytes long";
 * the service checks and appends atomically, so of two writers racing at N exactly one wins and
 * the loser gets a conflict with the new length, re-reads the tail, re-seals its record on top
 * of the winner's and retries (that loop lives in the chain logic, not here). Records therefore
 * never interleave and the chain never forks, without a lease that a crashed instance would
 * hold until it expired.
 *
 * Credentials stay with the caller: in Azure the ContainerClient is built with a TokenCredential
 * (managed identity), against Azurite with a connection string or shared key.
 */
import {
  BlobServiceClient,
  ContainerClient,
  RestError,
  type AppendBlobClient,
  type StoragePipelineOptions,
} from '@azure/storage-blob';
import type { TokenCredential } from '@azure/core-auth';
import { MAX_BLOCK_BYTES, type AppendResult, type SegmentStore } from './segments.js';

/** Blob name prefix under which segments live when the caller does not choose one. */
export const DEFAULT_SEGMENT_PREFIX = 'audit/';

/** {@link SegmentStore} on append blobs in one container. */
export class BlobSegmentStore implements SegmentStore {
  /** The container URL, never with a query string: a SAS must not end up in messages or logs. */
  readonly location: string;

  /**
   * @param container - the container holding the segments; it must exist (see {@link ensureContainer}).
   * @param prefix - blob name prefix of every segment, `audit/` by default.
   */
  constructor(
    private readonly container: ContainerClient,
    private readonly prefix: string = DEFAULT_SEGMENT_PREFIX,
  ) {
    this.location = withoutCredentials(container.url);
  }

  async list(): Promise<string[]> {
    const names: string[] = [];
    try {
      for await (const blob of this.container.listBlobsFlat({ prefix: this.prefix })) {
        names.push(blob.name.slice(this.prefix.length));
      }
    } catch (error) {
      throw this.failure('listing segments', error);
    }
    // The service lists in name order already; sorting here keeps "chain order" a property of
    // this adapter rather than of whichever backend answers (and of its collation).
    return names.sort();
  }

  /**
   * The segment's text from byte `fromOffset` to its end, '' at or past the end.
   * `fromOffset` must fall on a character boundary (writers only hand out record boundaries).
   */
  async read(name: string, fromOffset = 0): Promise<string> {
    assertOffset('fromOffset', fromOffset);
    try {
      return (await downloadBytes(this.blob(name), fromOffset)).toString('utf8');
    } catch (error) {
      // A range starting at or past the end is unsatisfiable (416); Azurite instead answers an
      // empty 200 when it starts exactly at the end. Both mean "nothing new".
      if (error instanceof RestError && error.statusCode === 416) return '';
      if (isBlobNotFound(error)) throw new Error(`audit segment ${name} does not exist in ${this.location}`);
      throw this.failure(`reading segment ${name}`, error);
    }
  }

  async stat(name: string): Promise<{ length: number; blocks: number } | undefined> {
    try {
      const properties = await this.blob(name).getProperties();
      return { length: properties.contentLength ?? 0, blocks: properties.blobCommittedBlockCount ?? 0 };
    } catch (error) {
      if (isBlobNotFound(error)) return undefined;
      throw this.failure(`reading properties of segment ${name}`, error);
    }
  }

  async create(name: string): Promise<boolean> {
    try {
      await this.blob(name).create({ conditions: { ifNoneMatch: '*' } });
      return true;
    } catch (error) {
      // Azure and Azurite answer 409 BlobAlreadyExists to If-None-Match: * on an existing blob;
      // 412 ConditionNotMet is the generic answer to a failed precondition, accepted as well.
      if (error instanceof RestError) {
        const code = errorCode(error);
        if (error.statusCode === 409 && code === 'BlobAlreadyExists') return false;
        if (error.statusCode === 412 && code === 'ConditionNotMet') return false;
      }
      throw this.failure(`creating segment ${name}`, error);
    }
  }

  /**
   * Appends `data` as one block if the segment is exactly `expectedLength` bytes long.
   *
   * A failed append-position condition whose bytes at `expectedLength` are exactly `data` counts
   * as success: that is this very append, acknowledged by the service but retried by the SDK
   * after its response was lost (or, indistinguishably, a byte-identical record, which leaves
   * the chain the same). Reporting it as a conflict would make the caller seal its record again
   * and write it twice.
   *
   * Throws on anything that is not an answer about this segment (network, 5xx, missing
   * container, wrong blob type): the caller treats that as "audit store unavailable".
   */
  async append(name: string, data: string, expectedLength: number): Promise<AppendResult> {
    assertOffset('expectedLength', expectedLength);
    const bytes = Buffer.from(data, 'utf8');
    // The service rejects empty blocks (400 InvalidHeaderValue) and blocks over 4 MiB (413):
    // programming errors, reported as such rather than as an unavailable store.
    if (bytes.length === 0) throw new RangeError(`append to audit segment ${name}: no data`);
    if (bytes.length > MAX_BLOCK_BYTES) {
      throw new RangeError(`append to audit segment ${name}: ${bytes.length} bytes exceed one block (${MAX_BLOCK_BYTES})`);
    }
    const blob = this.blob(name);
    try {
      await blob.appendBlock(bytes, bytes.length, { conditions: { appendPosition: expectedLength } });
      return { ok: true, length: expectedLength + bytes.length };
    } catch (error) {
      if (error instanceof RestError) {
        const code = errorCode(error);
        if (error.statusCode === 412 && code === 'AppendPositionConditionNotMet') {
          return this.conflictOrOwnAppend(name, blob, bytes, expectedLength);
        }
        if (error.statusCode === 409 && code === 'BlockCountExceedsLimit') return { ok: false, reason: 'full' };
        if (isBlobNotFound(error)) return { ok: false, reason: 'missing' };
      }
      throw this.failure(`appending to segment ${name}`, error);
    }
  }

  /** Nothing to do: the service acknowledges an append block only once it is durably stored. */
  async sync(): Promise<void> {}

  /** Nothing to release: the ContainerClient belongs to the caller and holds no open handles of ours. */
  async close(): Promise<void> {}

  private async conflictOrOwnAppend(
    name: string,
    blob: AppendBlobClient,
    bytes: Buffer,
    expectedLength: number,
  ): Promise<AppendResult> {
    const current = await this.stat(name);
    if (current === undefined) return { ok: false, reason: 'missing' };
    const end = expectedLength + bytes.length;
    if (current.length >= end) {
      let there: Buffer;
      try {
        there = await downloadBytes(blob, expectedLength, bytes.length);
      } catch (error) {
        if (isBlobNotFound(error)) return { ok: false, reason: 'missing' };
        throw this.failure(`reading back segment ${name}`, error);
      }
      if (there.equals(bytes)) return { ok: true, length: end };
    }
    return { ok: false, reason: 'conflict', length: current.length };
  }

  private blob(name: string): AppendBlobClient {
    return this.container.getAppendBlobClient(`${this.prefix}${name}`);
  }

  private failure(action: string, error: unknown): Error {
    // Only status, code and the first line of the message: RestError carries the request, and
    // the request URL may carry a SAS.
    let detail = String(error);
    if (error instanceof RestError) {
      const firstLine = error.message.split('\n', 1)[0] ?? '';
      detail = [error.statusCode, errorCode(error), firstLine].filter((part) => part !== undefined && part !== '').join(' ');
      if (errorCode(error) === 'ContainerNotFound') detail += ' (create it first, see ensureContainer)';
    } else if (error instanceof Error) {
      detail = error.message;
    }
    return new Error(`audit store ${this.location}: ${action} failed: ${detail}`, { cause: error });
  }
}

/** A ContainerClient from a connection string (Azurite, or a storage account key outside Azure). */
export function containerClientFromConnectionString(
  connectionString: string,
  containerName: string,
  options?: StoragePipelineOptions,
): ContainerClient {
  return BlobServiceClient.fromConnectionString(connectionString, options).getContainerClient(containerName);
}

/**
 * A ContainerClient for a container URL (`https://<account>.blob.core.windows.net/<container>`)
 * authenticated by a TokenCredential, e.g. the Function's managed identity.
 */
export function containerClientFromUrl(
  url: string,
  credential: TokenCredential,
  options?: StoragePipelineOptions,
): ContainerClient {
  return new ContainerClient(url, credential, options);
}

/** Creates the container unless it exists; private (no public access) like every new container. */
export async function ensureContainer(client: ContainerClient): Promise<void> {
  await client.createIfNotExists();
}

async function downloadBytes(blob: AppendBlobClient, offset: number, count?: number): Promise<Buffer> {
  const response = await blob.download(offset, count);
  const body = response.readableStreamBody;
  if (body === undefined) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : (chunk as Buffer));
  return Buffer.concat(chunks);
}

/** HEAD responses have no body: their error code only arrives in the x-ms-error-code header. */
function errorCode(error: RestError): string | undefined {
  const details = error.details as { errorCode?: unknown } | undefined;
  return typeof details?.errorCode === 'string' ? details.errorCode : error.code;
}

/**
 * The blob is absent. ContainerNotFound (also a 404) is deliberately not: a missing container
 * is a broken deployment, not a segment to roll past, and must surface as an unavailable store.
 */
function isBlobNotFound(error: unknown): boolean {
  return error instanceof RestError && error.statusCode === 404 && errorCode(error) !== 'ContainerNotFound';
}

function assertOffset(what: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${what} must be a non-negative integer, got ${value}`);
}

function withoutCredentials(url: string): string {
  const parsed = new URL(url);
  parsed.search = '';
  parsed.hash = '';
  parsed.username = '';
  parsed.password = '';
  return parsed.toString();
}
