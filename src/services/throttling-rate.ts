import { LRUCache } from 'lru-cache';
import { parseDuration } from '../config/duration.js';
import { durationSchema, objectSchema, type JsonSchema } from '../config/schema.js';
import { childPlace, configError, type Place } from '../errors/tollgate-error.js';
import type { Exchange } from '../http/exchange.js';
import type { CreateContext, SharedRate } from '../heap/types.js';

/** `numberOfRequests` in `duration`: PingGateway's throttling rate. */
export interface ThrottlingRate {
  readonly numberOfRequests: number;
  readonly durationMs: number;
}

/** Gives the rate for a request; undefined lets the request through unthrottled. */
export interface ThrottlingPolicy {
  rateFor(exchange: Exchange): ThrottlingRate | undefined;
}

export interface RateConfig {
  numberOfRequests: number | string;
  duration: string | number;
}

export const rateSchema: JsonSchema = objectSchema(
  { numberOfRequests: { type: ['integer', 'string'] }, duration: durationSchema },
  ['numberOfRequests', 'duration'],
);

/** A rate from its config: a whole number of requests of at least 1, in a finite duration above 0. */
export function compileRate(config: RateConfig, context: CreateContext, place: Place): ThrottlingRate {
  const count = Number(context.configValue(config.numberOfRequests, childPlace(place, 'numberOfRequests')));
  if (!Number.isInteger(count) || count < 1) {
    throw configError(
      'TG_CONFIG_BAD_VALUE',
      childPlace(place, 'numberOfRequests'),
      'numberOfRequests must be a whole number of at least 1',
    );
  }
  const durationPlace = childPlace(place, 'duration');
  const durationMs = parseDuration(
    context.configValue(config.duration, durationPlace) as string | number,
    durationPlace,
  );
  if (!(durationMs > 0) || !Number.isFinite(durationMs)) {
    throw configError(
      'TG_CONFIG_BAD_VALUE',
      durationPlace,
      'a throttling duration must be finite and above zero',
    );
  }
  return Object.freeze({ numberOfRequests: count, durationMs });
}

/**
 * One partition's token bucket: it holds up to `numberOfRequests` tokens and refills at
 * `numberOfRequests` per `duration`, so a burst of the whole rate passes and the rest is spread.
 */
export class TokenBucket {
  #tokens: number;
  #updatedAt: number;
  #rate: ThrottlingRate;

  constructor(rate: ThrottlingRate, now: number) {
    this.#rate = rate;
    this.#tokens = rate.numberOfRequests;
    this.#updatedAt = now;
  }

  /** Takes a token: 0 when the request may pass, else how many ms until one is there. */
  take(rate: ThrottlingRate, now: number): number {
    if (rate !== this.#rate) {
      // A policy may give a partition another rate: keep its tokens, within the new capacity.
      this.#tokens = Math.min(this.#tokens, rate.numberOfRequests);
      this.#rate = rate;
    }
    const perMs = rate.numberOfRequests / rate.durationMs;
    this.#tokens = Math.min(rate.numberOfRequests, this.#tokens + (now - this.#updatedAt) * perMs);
    this.#updatedAt = now;
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return 0;
    }
    return (1 - this.#tokens) / perMs;
  }

  /** Whether it is full again, so forgetting it changes nothing. */
  isFull(now: number): boolean {
    const perMs = this.#rate.numberOfRequests / this.#rate.durationMs;
    return this.#tokens + (now - this.#updatedAt) * perMs >= this.#rate.numberOfRequests;
  }
}

/**
 * Partitions kept at most per filter. A grouping expression reads request data, so the number of
 * partitions is the client's to choose: past this bound the least recently seen partition is
 * forgotten (and starts again with a full bucket) rather than the gateway's memory growing without end.
 */
export const MAX_PARTITIONS = 100_000;

/** One ThrottlingFilter's buckets, one per partition, at most MAX_PARTITIONS of them. */
export class PartitionBuckets {
  readonly #buckets = new LRUCache<string, TokenBucket>({ max: MAX_PARTITIONS });

  /** Takes a token from the partition's bucket, a full one when it has none: 0 to pass, else ms to wait. */
  take(partition: string, rate: ThrottlingRate, now: number): number {
    let bucket = this.#buckets.get(partition);
    if (!bucket) {
      bucket = new TokenBucket(rate, now);
      this.#buckets.set(partition, bucket);
    }
    return bucket.take(rate, now);
  }

  /** Drops the buckets that are full again: a full bucket is the same as none, so only the partitions being throttled stay. */
  sweep(now: number): void {
    for (const [partition, bucket] of this.#buckets.entries()) {
      if (bucket.isFull(now)) this.#buckets.delete(partition);
    }
  }

  get size(): number {
    return this.#buckets.size;
  }
}

/** How often the shared buckets drop the full ones: a ThrottlingFilter's default cleaningInterval. */
export const SHARED_SWEEP_INTERVAL_MS = 5_000;

/**
 * The buckets of every unit's ThrottlingFilters, in the primary process of several units, so that
 * a rate holds for the instance: one PartitionBuckets per filter identity, bounded as a filter
 * bounds its own. A filter whose buckets are all full again (at most its longest duration after
 * its last request, when no unit uses it any more) is forgotten whole, so the routes that were
 * removed or renamed leave nothing behind.
 */
export class SharedThrottleBuckets {
  readonly #filters = new Map<string, PartitionBuckets>();

  take(filter: string, partition: string, rate: SharedRate, now: number = performance.now()): number {
    let buckets = this.#filters.get(filter);
    if (!buckets) {
      buckets = new PartitionBuckets();
      this.#filters.set(filter, buckets);
    }
    return buckets.take(partition, rate, now);
  }

  sweep(now: number = performance.now()): void {
    for (const [filter, buckets] of this.#filters) {
      buckets.sweep(now);
      if (buckets.size === 0) this.#filters.delete(filter);
    }
  }

  /** How many filters have buckets, and how many buckets in all. */
  get size(): { readonly filters: number; readonly partitions: number } {
    let partitions = 0;
    for (const buckets of this.#filters.values()) partitions += buckets.size;
    return { filters: this.#filters.size, partitions };
  }
}
