import type { z } from 'zod';
import { invalidRequestContent, invalidValues } from '../errors.js';

function describePath(path: readonly PropertyKey[]): string {
  return path.map((segment) => (typeof segment === 'number' ? `[${segment}]` : String(segment))).join('.').replace(/\.\[/g, '[');
}

/**
 * Checks a request body against a provider's schema and throws the error ARM gives: a
 * value of the wrong JSON type cannot be deserialized (`InvalidRequestContent`); a value
 * of the right type outside what the service allows is `InvalidValuesForRequestParameters`.
 * Either message names the property.
 */
export function validateBody(schema: z.ZodType, body: unknown): void {
  const result = schema.safeParse(body, { reportInput: true });
  if (result.success) return;
  const issue = result.error.issues[0];
  if (issue === undefined) return;
  const path = describePath(issue.path);
  if (issue.code === 'invalid_type') {
    if (issue.input === undefined) {
      const parent = describePath(issue.path.slice(0, -1));
      throw invalidRequestContent(`Required property '${String(issue.path.at(-1))}' not found in JSON. Path '${parent}'`);
    }
    throw invalidRequestContent(
      `Error converting value ${JSON.stringify(issue.input)} to type '${issue.expected}'. Path '${path}'`,
    );
  }
  throw invalidValues(`${path}: ${issue.message}`);
}
