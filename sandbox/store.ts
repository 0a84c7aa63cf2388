import { idKey } from './armPath.js';
import type { ArmResource } from './state.js';

/**
 * The sandbox's resources, keyed by case-insensitive id. Insertion order is kept (and a
 * replaced resource keeps its place) so a loaded state saves back in the same order.
 * Everything handed out is a copy: callers cannot change stored state by accident.
 */
export class ResourceStore {
  private readonly resources = new Map<string, ArmResource>();
  /** Keys by resource type: listings look at one type, and a subscription holds tens of thousands. */
  private readonly byType = new Map<string, Set<string>>();
  /** How many stored resources sit under each id prefix: deleting a leaf then costs no scan. */
  private readonly descendants = new Map<string, number>();
  /** Keys by type and collection (the id without its last type/name pair): listing one account's containers scans none of the others. */
  private readonly byCollection = new Map<string, Set<string>>();

  constructor(initial: readonly ArmResource[] = []) {
    for (const resource of initial) this.put(resource);
  }

  get(id: string): ArmResource | undefined {
    const resource = this.resources.get(idKey(id));
    return resource === undefined ? undefined : structuredClone(resource);
  }

  put(resource: ArmResource): void {
    const key = idKey(resource.id);
    const typeKey = idKey(resource.type);
    const previous = this.resources.get(key);
    // A replaced resource keeps its place, in the store and in its type's listing.
    if (previous !== undefined && idKey(previous.type) !== typeKey) {
      this.byType.get(idKey(previous.type))?.delete(key);
      this.byCollection.get(collectionKey(idKey(previous.type), key))?.delete(key);
    }
    if (previous === undefined) this.countAncestors(key, +1);
    this.resources.set(key, structuredClone(resource));
    let keys = this.byType.get(typeKey);
    if (keys === undefined) {
      keys = new Set();
      this.byType.set(typeKey, keys);
    }
    keys.add(key);
    indexed(this.byCollection, collectionKey(typeKey, key)).add(key);
  }

  /** Removes a resource and everything under its id; returns what was removed, the resource first. */
  deleteTree(id: string): ArmResource[] {
    const key = idKey(id);
    const removed: ArmResource[] = [];
    const own = this.resources.get(key);
    if ((this.descendants.get(key) ?? 0) === 0) {
      if (own !== undefined) removed.push(own);
    } else {
      for (const [candidateKey, resource] of this.resources) {
        if (candidateKey === key || candidateKey.startsWith(`${key}/`)) removed.push(resource);
      }
    }
    for (const resource of removed) {
      const removedKey = idKey(resource.id);
      this.resources.delete(removedKey);
      this.byType.get(idKey(resource.type))?.delete(removedKey);
      this.byCollection.get(collectionKey(idKey(resource.type), removedKey))?.delete(removedKey);
      this.countAncestors(removedKey, -1);
    }
    return removed.sort((a, b) => a.id.length - b.id.length);
  }

  private countAncestors(key: string, delta: number): void {
    for (let i = key.indexOf('/', 1); i > 0; i = key.indexOf('/', i + 1)) {
      const prefix = key.slice(0, i);
      const count = (this.descendants.get(prefix) ?? 0) + delta;
      if (count === 0) this.descendants.delete(prefix);
      else this.descendants.set(prefix, count);
    }
  }

  /** Resources of one type matching `predicate`, in store order (insertion order within the type). */
  ofType(type: string, predicate: (resource: ArmResource) => boolean = () => true): ArmResource[] {
    return this.viewOfType(type, predicate).map((resource) => structuredClone(resource));
  }

  /**
   * Like `ofType` but the stored objects themselves, uncopied: for listings, which copy only the
   * page they return (copying 50,000 role assignments for every page of 1,000 dominated sweeps).
   */
  viewOfType(type: string, predicate: (resource: ArmResource) => boolean = () => true): readonly Readonly<ArmResource>[] {
    const out: ArmResource[] = [];
    for (const key of this.byType.get(idKey(type)) ?? []) {
      const resource = this.resources.get(key);
      if (resource !== undefined && predicate(resource)) out.push(resource);
    }
    return out;
  }

  /** Uncopied, like `viewOfType`: resources of one type directly in one collection (`<parent id>/<type segment>`). */
  viewOfCollection(type: string, collectionId: string): readonly Readonly<ArmResource>[] {
    const out: ArmResource[] = [];
    for (const key of this.byCollection.get(`${idKey(type)}\n${idKey(collectionId)}`) ?? []) {
      const resource = this.resources.get(key);
      if (resource !== undefined) out.push(resource);
    }
    return out;
  }

  /** All resources matching `predicate`, in store order. */
  filter(predicate: (resource: ArmResource) => boolean): ArmResource[] {
    return [...this.resources.values()].filter(predicate).map((resource) => structuredClone(resource));
  }

  all(): ArmResource[] {
    return this.filter(() => true);
  }
}

/** The collection a resource id sits in: the id without its last name (`.../containers/x` → `.../containers`). */
function collectionKey(typeKey: string, key: string): string {
  return `${typeKey}\n${key.slice(0, key.lastIndexOf('/'))}`;
}

function indexed(map: Map<string, Set<string>>, key: string): Set<string> {
  let set = map.get(key);
  if (set === undefined) {
    set = new Set();
    map.set(key, set);
  }
  return set;
}
