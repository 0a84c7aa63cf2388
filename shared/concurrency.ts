/** Serialises work per key (one resource at a time) while different keys run in parallel. */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<unknown>>();

  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const current = previous.then(work, work);
    const settled = current.catch(() => undefined);
    this.tails.set(key, settled);
    try {
      return await current;
    } finally {
      // Forget the key once nobody queued behind us, so the map does not grow with every resource ever seen.
      if (this.tails.get(key) === settled) this.tails.delete(key);
    }
  }
}

/** Like Promise.all over items.map(fn), with at most `limit` in flight; results keep input order. */
export async function mapWithConcurrency<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  async function worker(): Promise<void> {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T, index);
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, () => worker()));
  return results;
}

/**
 * Maps a stream `lookahead` items ahead of the one yielded, keeping its order: the waits of
 * consecutive items overlap. A failure surfaces when its item's turn comes (marked handled
 * until then, so nothing is an unhandled rejection); `undefined` drops the item.
 */
export async function* mapAhead<T, R>(source: AsyncIterable<T> | Iterable<T>, lookahead: number, fn: (item: T) => Promise<R | undefined>): AsyncIterable<R> {
  const pending: Promise<R | undefined>[] = [];
  for await (const item of source) {
    const mapped = fn(item);
    mapped.catch(() => undefined);
    pending.push(mapped);
    if (pending.length >= lookahead) {
      const next = await pending.shift();
      if (next !== undefined) yield next;
    }
  }
  for (let next = pending.shift(); next !== undefined; next = pending.shift()) {
    const ready = await next;
    if (ready !== undefined) yield ready;
  }
}
