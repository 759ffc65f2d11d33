import { parseDuration } from '../config/duration.js';
import { durationSchema, expressionSchema, objectSchema, referenceSchema } from '../config/schema.js';
import { errorCatalogue } from '../errors/catalogue.js';
import { childPlace, ConfigErrors, configError, formatPlace } from '../errors/tollgate-error.js';
import { defineType, type Filter } from '../heap/types.js';
import { entityNeeds, loadEntities } from '../http/entity-loading.js';
import { Headers } from '../http/headers.js';
import { Response, textResponse } from '../http/message.js';
import { Entity } from '../http/entity.js';
import {
  compileRate,
  PartitionBuckets,
  rateSchema,
  type RateConfig,
  type ThrottlingPolicy,
  type ThrottlingRate,
} from '../services/throttling-rate.js';

interface ThrottlingFilterConfig {
  requestGroupingPolicy?: string;
  partitionKey?: string;
  rate?: RateConfig;
  throttlingRatePolicy?: unknown;
  cleaningInterval?: string | number;
  executor?: unknown;
}

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
    // With several units the primary's buckets count for the instance; these count when it cannot
    // answer (and are the only ones in a single process).
    const buckets = new PartitionBuckets();
    let sweeper: NodeJS.Timeout | undefined;
    context.onStart(() => {
      if (!(cleaningMs > 0) || !Number.isFinite(cleaningMs)) return;
      sweeper = setInterval(() => buckets.sweep(performance.now()), cleaningMs);
      sweeper.unref();
    });
    context.onStop(() => clearInterval(sweeper));
    const shared = context.gateway.throttling;
    // The same in every unit for the same filter of the same file, so that they share its buckets;
    // a reload of the file keeps them.
    const identity = `${formatPlace(place)} ${context.name}`;
    let warned = false;
    const take = async (partition: string, rate: ThrottlingRate): Promise<number> => {
      if (shared !== undefined) {
        try {
          return await shared.take(identity, partition, rate);
        } catch (error) {
          if (!warned) {
            warned = true;
            context.logger.warn(
              { code: 'TG_THROTTLING_SHARED_UNAVAILABLE', err: error },
              errorCatalogue.TG_THROTTLING_SHARED_UNAVAILABLE.message,
            );
          }
        }
      }
      return buckets.take(partition, rate, performance.now());
    };
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
        const waitMs = await take(String(key), rate);
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
