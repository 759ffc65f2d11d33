import { LRUCache } from 'lru-cache';
import { parseDuration } from '../config/duration.js';
import { durationSchema, expressionSchema, objectSchema, referenceSchema } from '../config/schema.js';
import { errorCatalogue } from '../errors/catalogue.js';
import { childPlace, ConfigErrors, configError } from '../errors/tollgate-error.js';
import { defineType, type Filter } from '../heap/types.js';
import { entityNeeds, loadEntities } from '../http/entity-loading.js';
import { Headers } from '../http/headers.js';
import { Response, textResponse } from '../http/message.js';
import { Entity } from '../http/entity.js';
import {
  compileRate,
  rateSchema,
  TokenBucket,
  type RateConfig,
  type ThrottlingPolicy,
} from '../services/throttling-rate.js';

interface ThrottlingFilterConfig {
  requestGroupingPolicy?: string;
  partitionKey?: string;
  rate?: RateConfig;
  throttlingRatePolicy?: unknown;
  cleaningInterval?: string | number;
  executor?: unknown;
}

/**
 * Partitions kept at most. A grouping expression reads request data, so the number of partitions
 * is the client's to choose: past this bound the least recently seen partition is forgotten (and
 * starts again with a full bucket) rather than the gateway's memory growing without end.
 */
const MAX_PARTITIONS = 100_000;

export const throttlingFilterType = defineType<ThrottlingFilterConfig, Filter>({
  type: 'ThrottlingFilter',
  aliases: ['org.forgerock.openig.filter.throttling.ThrottlingFilterHeaplet'],
  kind: 'Filter',
  description:
    'Lets through at most `rate` requests per partition (`requestGroupingPolicy`), else answers 429 Too Many Requests with Retry-After.',
  schema: objectSchema({
    requestGroupingPolicy: expressionSchema,
    partitionKey: expressionSchema,
    rate: rateSchema,
    throttlingRatePolicy: referenceSchema,
    cleaningInterval: durationSchema,
    executor: referenceSchema,
  }),
  create: (config, context) => {
    const place = context.place;
    if ((config.rate === undefined) === (config.throttlingRatePolicy === undefined)) {
      throw new ConfigErrors([
        configError(
          'TG_CONFIG_BAD_VALUE',
          childPlace(place, config.rate === undefined ? 'rate' : 'throttlingRatePolicy'),
          'a ThrottlingFilter takes either "rate" or "throttlingRatePolicy", and one of them is required',
        ),
      ]);
    }
    const groupingKey = config.requestGroupingPolicy === undefined ? 'partitionKey' : 'requestGroupingPolicy';
    const grouping = context.template(
      config.requestGroupingPolicy ?? config.partitionKey ?? '',
      childPlace(place, groupingKey),
    );
    let policy: ThrottlingPolicy;
    if (config.rate !== undefined) {
      const rate = compileRate(config.rate, context, childPlace(place, 'rate'));
      policy = { rateFor: () => rate };
    } else {
      policy = context.resolve<ThrottlingPolicy>(
        config.throttlingRatePolicy,
        'ThrottlingPolicy',
        childPlace(place, 'throttlingRatePolicy'),
      );
    }
    const cleaningPlace = childPlace(place, 'cleaningInterval');
    const cleaningMs = parseDuration(
      context.configValue(config.cleaningInterval ?? '5 seconds', cleaningPlace) as string | number,
      cleaningPlace,
    );
    const buckets = new LRUCache<string, TokenBucket>({ max: MAX_PARTITIONS });
    let sweeper: NodeJS.Timeout | undefined;
    context.onStart(() => {
      if (!(cleaningMs > 0) || !Number.isFinite(cleaningMs)) return;
      // A full bucket is the same as none: dropping it keeps only the partitions being throttled.
      sweeper = setInterval(() => {
        const now = performance.now();
        for (const [key, bucket] of buckets.entries()) if (bucket.isFull(now)) buckets.delete(key);
      }, cleaningMs);
      sweeper.unref();
    });
    context.onStop(() => clearInterval(sweeper));
    const needs = entityNeeds([grouping]);
    return {
      async filter(exchange, next) {
        await loadEntities(exchange, needs);
        const rate = policy.rateFor(exchange);
        if (!rate) return next.handle(exchange);
        const key = grouping.evaluate(exchange);
        if (key == null) {
          exchange.log.warn(
            { code: 'TG_THROTTLING_NO_PARTITION' },
            errorCatalogue.TG_THROTTLING_NO_PARTITION.message,
          );
          return textResponse(500);
        }
        const partition = String(key);
        const now = performance.now();
        let bucket = buckets.get(partition);
        if (!bucket) {
          bucket = new TokenBucket(rate, now);
          buckets.set(partition, bucket);
        }
        const waitMs = bucket.take(rate, now);
        if (waitMs === 0) return next.handle(exchange);
        return new Response({
          status: 429,
          headers: Headers.fromRecord({ 'Retry-After': String(Math.max(1, Math.ceil(waitMs / 1000))) }),
          entity: new Entity(null),
        });
      },
    };
  },
});
