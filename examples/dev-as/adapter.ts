import type { Adapter, AdapterPayload } from 'oidc-provider';

interface Entry {
  payload: AdapterPayload;
  /** Epoch milliseconds; Infinity when oidc-provider gave no lifetime. */
  expiresAt: number;
}

// Expired entries nobody looks up again are dropped in a sweep at most this often, so a long demo or
// benchmark run does not grow the store without bound yet each save stays O(1).
const SWEEP_INTERVAL_MS = 60_000;

/**
 * A per-server in-memory store for oidc-provider. Passing any adapter stops oidc-provider from
 * printing its "development-only in-memory adapter" warning, and a store per startDevAs call keeps
 * several dev servers in one test process from sharing tokens.
 */
export function createMemoryAdapterFactory(): (model: string) => Adapter {
  const store = new Map<string, Entry>();
  let nextSweep = Date.now() + SWEEP_INTERVAL_MS;

  const sweep = (now: number): void => {
    if (now < nextSweep) return;
    nextSweep = now + SWEEP_INTERVAL_MS;
    for (const [key, entry] of store) {
      if (entry.expiresAt <= now) store.delete(key);
    }
  };

  const live = (key: string): Entry | undefined => {
    const entry = store.get(key);
    if (entry !== undefined && entry.expiresAt <= Date.now()) {
      store.delete(key);
      return undefined;
    }
    return entry;
  };

  return (model) => {
    const keyFor = (id: string): string => `${model}:${id}`;
    return {
      async upsert(id, payload, expiresIn) {
        const now = Date.now();
        sweep(now);
        const expiresAt = typeof expiresIn === 'number' ? now + expiresIn * 1000 : Infinity;
        store.set(keyFor(id), { payload, expiresAt });
      },
      async find(id) {
        return live(keyFor(id))?.payload;
      },
      async consume(id) {
        const entry = live(keyFor(id));
        if (entry !== undefined) entry.payload.consumed = Math.floor(Date.now() / 1000);
      },
      async destroy(id) {
        store.delete(keyFor(id));
      },
      async revokeByGrantId(grantId) {
        for (const [key, entry] of store) {
          if (entry.payload.grantId === grantId) store.delete(key);
        }
      },
    };
  };
}
