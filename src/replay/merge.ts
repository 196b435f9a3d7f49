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

/** Consecutive items of one source in a merged order: `mergeOrderedRuns` hands these on. */
export interface Run<T> {
  source: number;
  items: T[];
}

/**
 * `mergeOrdered` over sources that deliver arrays of items (a decompressed chunk's lines at once): the same
 * order, ties to the earlier source, handed on as runs of one source's items. One source's batches pass as
 * they are, without copying, and hourly files that follow each other merge in whole batches: a replay
 * awaits once per batch, not once per line.
 */
export async function* mergeOrderedRuns<T>(sources: AsyncIterable<T[]>[], key: (item: T) => number): AsyncGenerator<Run<T>> {
  const iters = sources.map((s) => s[Symbol.asyncIterator]());
  const next = async (it: AsyncIterator<T[]>): Promise<T[] | undefined> => {
    for (;;) {
      const r = await it.next();
      if (r.done) return undefined;
      if (r.value.length > 0) return r.value;
    }
  };
  try {
    if (iters.length === 1) {
      for (let batch = await next(iters[0]!); batch; batch = await next(iters[0]!)) yield { source: 0, items: batch };
      return;
    }
    const batches: (T[] | undefined)[] = await Promise.all(iters.map(next));
    const at = batches.map(() => 0);
    let run: T[] = [];
    let runSource = -1;
    for (;;) {
      let best = -1;
      let bestKey = Infinity;
      for (let i = 0; i < batches.length; i++) {
        const b = batches[i];
        if (b === undefined) continue;
        const k = key(b[at[i]!]!);
        if (best === -1 || k < bestKey) {
          best = i;
          bestKey = k;
        }
      }
      if (best === -1) break;
      if (best !== runSource && run.length > 0) {
        yield { source: runSource, items: run };
        run = [];
      }
      runSource = best;
      const batch = batches[best]!;
      run.push(batch[at[best]!]!);
      if (++at[best]! === batch.length) {
        // The source's batch is spent: hand on what is merged so far before waiting for its next one.
        yield { source: best, items: run };
        run = [];
        batches[best] = await next(iters[best]!);
        at[best] = 0;
      }
    }
    if (run.length > 0) yield { source: runSource, items: run };
  } finally {
    // A consumer that stops early (a replay slice) must not leave files open.
    await Promise.all(iters.map((it) => it.return?.()));
  }
}
