/** ARM's error body: `{"error": {"code", "message", "details"?}}`. */
export interface ArmErrorBody {
  error: { code: string; message: string; details?: { code: string; message: string }[] };
}

/**
 * An ARM error answer. Provider hooks throw it; the server turns it into the response, so
 * a hook never builds HTTP responses itself.
 */
export class ArmError extends Error {
  override readonly name = 'ArmError';

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }

  toBody(): ArmErrorBody {
    return { error: { code: this.code, message: this.message } };
  }
}

function resourceLabel(type: string, names: readonly string[]): string {
  // ARM names a nested resource by interleaving type segments and names: Microsoft.Storage/storageAccounts/a/blobServices/default
  const [namespace, ...segments] = type.split('/');
  const parts = segments.map((segment, i) => `${segment}/${names[i] ?? ''}`);
  return `${namespace}/${parts.join('/')}`;
}

export function resourceNotFound(type: string, names: readonly string[], resourceGroup: string | undefined): ArmError {
  const where = resourceGroup !== undefined ? ` under resource group '${resourceGroup}'` : '';
  return new ArmError(
    404,
    'ResourceNotFound',
    `The Resource '${resourceLabel(type, names)}'${where} was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
    // ARM's gateway answers this one itself and says so (recorded live 404).
    { 'x-ms-failure-cause': 'gateway' },
  );
}

export function parentResourceNotFound(parentName: string): ArmError {
  return new ArmError(
    404,
    'ParentResourceNotFound',
    `Can not perform requested operation on nested resource. Parent resource '${parentName}' not found.`,
  );
}

export function missingApiVersion(): ArmError {
  return new ArmError(
    400,
    'MissingApiVersionParameter',
    "The api-version query parameter (?api-version=) is required for all requests.",
  );
}

export function invalidApiVersion(apiVersion: string, supported: readonly string[]): ArmError {
  return new ArmError(
    400,
    'InvalidApiVersionParameter',
    `The api-version '${apiVersion}' is invalid. The supported versions are '${supported.join(',')}'.`,
  );
}

export function noRegisteredProvider(path: string): ArmError {
  return new ArmError(404, 'NoRegisteredProviderFound', `No registered resource provider found for path '${path}'.`);
}

export function invalidResourceType(type: string, namespace: string, apiVersion: string): ArmError {
  return new ArmError(
    404,
    'InvalidResourceType',
    `The resource type '${type}' could not be found in the namespace '${namespace}' for api version '${apiVersion}'.`,
  );
}

export function methodNotAllowed(method: string): ArmError {
  return new ArmError(405, 'MethodNotAllowed', `The requested resource does not support http method '${method}'.`);
}

export function invalidRequestContent(detail: string): ArmError {
  return new ArmError(
    400,
    'InvalidRequestContent',
    `The request content was invalid and could not be deserialized: '${detail}'.`,
  );
}

export function invalidValues(detail: string): ArmError {
  return new ArmError(400, 'InvalidValuesForRequestParameters', `Values for request parameters are invalid: ${detail}`);
}

export function preconditionFailed(): ArmError {
  return new ArmError(
    412,
    'PreconditionFailed',
    'The condition specified using HTTP conditional header(s) is not met.',
  );
}

const OPERATION_TYPE = { reads: 'Read', writes: 'Write', deletes: 'Delete' } as const;

export function throttled(category: keyof typeof OPERATION_TYPE, retryAfterSeconds: number): ArmError {
  return new ArmError(
    429,
    'TooManyRequests',
    `The request is being throttled as the limit has been reached for operation type - ${OPERATION_TYPE[category]}. For more information, see - https://aka.ms/srpthrottlinglimits`,
    { 'retry-after': String(retryAfterSeconds) },
  );
}

/** A `$filter` the service does not support (role assignments answer `UnsupportedQuery`). */
export function invalidFilter(filter: string, supported: readonly string[] = []): ArmError {
  const hint = supported.length === 0 ? 'This listing supports no filter.' : `Supported filters are ${supported.map((f) => `'${f}'`).join(' or ')}.`;
  return new ArmError(400, 'UnsupportedQuery', `The filter '${filter}' is not supported. ${hint}`);
}
