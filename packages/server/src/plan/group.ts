/**
 * Group commit, by key: calls for a key that arrive while a batch of that key is being written wait and
 * go together in the next batch, so N ends of one plan's tasks arriving at once cost a few scheduling
 * transactions, not N in a row behind the plan's lock. No call waits for a timer: a call that finds its
 * key idle starts at once. `run` answers each item by position; when it throws, a batch of several is
 * tried again one item at a time, so one bad item fails alone.
 */
export function grouped<T, R>(
  run: (key: string, items: T[]) => Promise<R[]>,
  max = Number.POSITIVE_INFINITY,
): (key: string, item: T) => Promise<R> {
  interface Waiting {
    item: T;
    resolve(r: R): void;
    reject(e: unknown): void;
  }
  const queued = new Map<string, Waiting[]>();

  const settle = async (key: string, batch: Waiting[]): Promise<void> => {
    try {
      const out = await run(
        key,
        batch.map((w) => w.item),
      );
      batch.forEach((w, i) => w.resolve(out[i]!));
    } catch (err) {
      if (batch.length === 1) return batch[0]!.reject(err);
      for (const w of batch) await settle(key, [w]);
    }
  };

  // One drain per busy key; `queued` holds the key (maybe with an empty list) while it drains.
  const drain = async (key: string): Promise<void> => {
    for (let list = queued.get(key)!; list.length; list = queued.get(key)!) {
      const batch = list.splice(0, max);
      await settle(key, batch);
    }
    queued.delete(key);
  };

  return (key, item) =>
    new Promise<R>((resolve, reject) => {
      const list = queued.get(key);
      if (list) return void list.push({ item, resolve, reject });
      queued.set(key, [{ item, resolve, reject }]);
      void drain(key);
    });
}
