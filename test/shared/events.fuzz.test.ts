/**
 * Intake under hostile input: generated payloads never crash parsing, every refusal says why,
 * and whatever is accepted names a resource id that satisfies the strict grammar.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseResourceId } from '../../shared/arm/resourceId.js';
import { BadBatchError, parseEvent, parseEventBatch } from '../../shared/events.js';
import { armWriteEvent, RX01 } from '../helpers/events.js';

const hostileSegment = fc.oneof(
  fc.constantFrom('..', '.', '%2e%2e', '?api-version=2020-01-01', '#frag', 'a b', '\\', '\u0000', '\u202e', '..%2F', '~', '$web', 'ok-name'),
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
);

const hostileId = fc.oneof(
  fc.array(hostileSegment, { maxLength: 12 }).map((parts) => `${RX01}/${parts.join('/')}`),
  fc.array(hostileSegment, { maxLength: 8 }).map((parts) => `/${parts.join('/')}`),
  fc.string({ maxLength: 3000 }),
  fc.constant(`https://management.azure.com${RX01}`),
  fc.constant(RX01.replace('/providers/', '/providers/Microsoft.Storage/providers/')),
);

describe('intake fuzz', () => {
  it('never throws on arbitrary JSON values, except BadBatchError for a whole non-event body', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        try {
          for (const parsed of parseEventBatch(value)) if (!parsed.ok) expect(parsed.reason.length).toBeGreaterThan(0);
        } catch (error) {
          expect(error).toBeInstanceOf(BadBatchError);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('rejects or strictly validates every hostile resource id inside a well-formed event', () => {
    fc.assert(
      fc.property(hostileId, fc.boolean(), (id, asSubject) => {
        const event = armWriteEvent(RX01);
        (event['data'] as Record<string, unknown>)['resourceUri'] = id;
        if (asSubject) event['subject'] = id;
        const parsed = parseEvent(event);
        if (parsed.ok) {
          // Accepted ids re-parse to themselves: nothing outside the grammar slips through.
          expect(parseResourceId(parsed.event.resource.id).key).toBe(parsed.event.resource.key);
          expect(parsed.event.resource.id).not.toMatch(/[?#%\\\s]|\/\.\.?(\/|$)/);
        } else {
          expect(parsed.reason.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 5000 },
    );
  });

  it('rejects wrongly typed fields of a real event with a reason, never a crash', () => {
    const fields = ['id', 'subject', 'eventType', 'eventTime', 'dataVersion', 'data'];
    fc.assert(
      fc.property(fc.constantFrom(...fields), fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.string()), fc.object()), (field, value) => {
        const event = { ...armWriteEvent(RX01), [field]: value };
        const parsed = parseEvent(event);
        expect(parsed.ok).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });
});
