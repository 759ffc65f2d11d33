import { objectSchema, referenceSchema } from '../config/schema.js';
import { childPlace } from '../errors/tollgate-error.js';
import { defineType } from '../heap/types.js';
import { compileRate, rateSchema, type RateConfig, type ThrottlingPolicy } from './throttling-rate.js';

interface DefaultRateThrottlingPolicyConfig {
  delegateThrottlingRatePolicy: unknown;
  defaultRate: RateConfig;
}

export const defaultRateThrottlingPolicyType = defineType<
  DefaultRateThrottlingPolicyConfig,
  ThrottlingPolicy
>({
  type: 'DefaultRateThrottlingPolicy',
  aliases: ['org.forgerock.openig.filter.throttling.DefaultRateThrottlingPolicyHeaplet'],
  kind: 'ThrottlingPolicy',
  description: 'Gives the rate of its delegate policy, or defaultRate when the delegate gives none.',
  schema: objectSchema({ delegateThrottlingRatePolicy: referenceSchema, defaultRate: rateSchema }, [
    'delegateThrottlingRatePolicy',
    'defaultRate',
  ]),
  create: (config, context) => {
    const delegate = context.resolve<ThrottlingPolicy>(
      config.delegateThrottlingRatePolicy,
      'ThrottlingPolicy',
      childPlace(context.place, 'delegateThrottlingRatePolicy'),
    );
    const defaultRate = compileRate(config.defaultRate, context, childPlace(context.place, 'defaultRate'));
    return { rateFor: (exchange) => delegate.rateFor(exchange) ?? defaultRate };
  },
});
