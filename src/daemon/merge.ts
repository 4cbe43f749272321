/** Interleaves async iterables as their items arrive; ends when all have ended. */
export async function* mergeAsync<T>(sources: AsyncIterable<T>[]): AsyncGenerator<T> {
  const its = sources.map((s) => s[Symbol.asyncIterator]());
  const pending = new Map<number, Promise<{ i: number; r: IteratorResult<T> }>>();
  const pull = (i: number) => pending.set(i, its[i].next().then((r) => ({ i, r })));
  its.forEach((_, i) => pull(i));
  try {
    while (pending.size > 0) {
      const { i, r } = await Promise.race(pending.values());
      if (r.done) { pending.delete(i); continue; }
      pull(i);
      yield r.value;
    }
  } finally {
    await Promise.all(its.map((it) => it.return?.()));
  }
}
