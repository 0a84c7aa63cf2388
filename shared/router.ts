/**
 * Which remediators an event concerns. Pure and cheap: most events in a real subscription
 * concern none of them, and those must cost no ARM call.
 */
import type { ResourceChangeEvent } from './events.js';
import type { Policy, Remediator } from './remediator.js';

export function routeEvent<R extends Pick<Remediator, 'resourceTypes' | 'triggers' | 'appliesTo'>>(event: ResourceChangeEvent, remediators: readonly R[], policy: Policy): R[] {
  const type = event.resource.resourceType.toLowerCase();
  return remediators.filter(
    (r) =>
      (r.triggers ?? ['write']).includes(event.kind) &&
      r.resourceTypes.some((t) => t.toLowerCase() === type) &&
      (r.appliesTo === undefined || r.appliesTo(event.resource, policy)),
  );
}
