import { expressionSchema, objectSchema } from '../config/schema.js';
import { childPlace } from '../errors/tollgate-error.js';
import { defineType } from '../heap/types.js';
import {
  compileRate,
  rateSchema,
  type RateConfig,
  type ThrottlingPolicy,
  type ThrottlingRate,
} from './throttling-rate.js';

interface MappedThrottlingPolicyConfig {
  throttlingRateMapper: string;
  throttlingRatesMapping: Record<string, RateConfig>;
  defaultRate?: RateConfig;
}

export const mappedThrottlingPolicyType = defineType<MappedThrottlingPolicyConfig, ThrottlingPolicy>({
  type: 'MappedThrottlingPolicy',
  aliases: ['org.forgerock.openig.filter.throttling.MappedThrottlingPolicyHeaplet'],
  kind: 'ThrottlingPolicy',
  description:
    'Gives the rate of the throttlingRatesMapping entry that throttlingRateMapper names, else defaultRate (else no throttling).',
  schema: objectSchema(
    {
      throttlingRateMapper: expressionSchema,
      throttlingRatesMapping: { type: 'object', additionalProperties: rateSchema },
      defaultRate: rateSchema,
    },
    ['throttlingRateMapper', 'throttlingRatesMapping'],
  ),
  create: (config, context) => {
    const mapper = context.template(
      config.throttlingRateMapper,
      childPlace(context.place, 'throttlingRateMapper'),
    );
    const mappingPlace = childPlace(context.place, 'throttlingRatesMapping');
    const rates = new Map<string, ThrottlingRate>(
      Object.entries(config.throttlingRatesMapping).map(([key, rate]) => [
        key,
        compileRate(rate, context, childPlace(mappingPlace, key)),
      ]),
    );
    const defaultRate =
      config.defaultRate === undefined
        ? undefined
        : compileRate(config.defaultRate, context, childPlace(context.place, 'defaultRate'));
    return {
      rateFor(exchange) {
        const key = mapper.evaluate(exchange);
        return (key == null ? undefined : rates.get(String(key))) ?? defaultRate;
      },
    };
  },
});
