/**
 * Merges sources that are each ordered by `key` into one ordered stream (k-way merge).
 * Ties keep source order, so the merged order is deterministic.
 */
export async function* mergeOrdered<T>(sources: AsyncIterable<T>[], key: (item: T) => number): AsyncGenerator<T> {
  const iters = sources.map((s) => s[Symbol.asyncIterator]());
  const heads: (IteratorResult<T> | undefined)[] = await Promise.all(iters.map((it) => it.next()));
  try {
    yield* drain(iters, heads, key);
  } finally {
    // A consumer that stops early (a replay slice) must not leave files open.
    await Promise.all(iters.map((it) => it.return?.()));
  }
}

async function* drain<T>(iters: AsyncIterator<T>[], heads: (IteratorResult<T> | undefined)[], key: (item: T) => number): AsyncGenerator<T> {
  for (;;) {
    let best = -1;
    let bestKey = Infinity;
    heads.forEach((h, i) => {
      if (h && !h.done) {
        const k = key(h.value);
        if (best === -1 || k < bestKey) {
          best = i;
          bestKey = k;
        }
      }
    });
    if (best === -1) return;
    const head = heads[best] as IteratorYieldResult<T>;
    yield head.value;
    heads[best] = await iters[best]!.next();
  }
}
