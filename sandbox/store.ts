import { idKey } from './armPath.js';
import type { ArmResource } from './state.js';

/**
 * The sandbox's resources, keyed by case-insensitive id. Insertion order is kept (and a
 * replaced resource keeps its place) so a loaded state saves back in the same order.
 * Everything handed out is a copy: callers cannot change stored state by accident.
 */
export class ResourceStore {
  private readonly resources = new Map<string, ArmResource>();

  constructor(initial: readonly ArmResource[] = []) {
    for (const resource of initial) this.put(resource);
  }

  get(id: string): ArmResource | undefined {
    const resource = this.resources.get(idKey(id));
    return resource === undefined ? undefined : structuredClone(resource);
  }

  put(resource: ArmResource): void {
    this.resources.set(idKey(resource.id), structuredClone(resource));
  }

  /** Removes a resource and everything under its id; returns what was removed, the resource first. */
  deleteTree(id: string): ArmResource[] {
    const key = idKey(id);
    const removed: ArmResource[] = [];
    for (const [candidateKey, resource] of this.resources) {
      if (candidateKey === key || candidateKey.startsWith(`${key}/`)) removed.push(resource);
    }
    for (const resource of removed) this.resources.delete(idKey(resource.id));
    return removed.sort((a, b) => a.id.length - b.id.length);
  }

  /** All resources matching `predicate`, in store order. */
  filter(predicate: (resource: ArmResource) => boolean): ArmResource[] {
    return [...this.resources.values()].filter(predicate).map((resource) => structuredClone(resource));
  }

  all(): ArmResource[] {
    return this.filter(() => true);
  }
}
