import { parseDuration } from '../config/duration.js';
import { durationSchema, objectSchema, type JsonSchema } from '../config/schema.js';
import { childPlace, configError, type Place } from '../errors/tollgate-error.js';
import type { Exchange } from '../http/exchange.js';
import type { CreateContext } from '../heap/types.js';

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
