import { millisecondsPerUnit } from '../config/duration.js';
import { objectSchema } from '../config/schema.js';
import { ConfigErrors, childPlace, configError } from '../errors/tollgate-error.js';
import { decorationIsOn, wrapAround } from './decorators.js';
import { defineType, type Decorator } from './types.js';

interface TimerDecoratorConfig {
  timeUnit?: string;
}

/**
 * PingGateway's TimerDecorator: `"<name>": true` logs the time the decorated object took, in
 * `timeUnit` (any unit a duration takes; milliseconds unless set).
 */
export const timerDecoratorType = defineType<TimerDecoratorConfig, Decorator>({
  type: 'TimerDecorator',
  aliases: ['org.forgerock.openig.decoration.timer.TimerDecorator'],
  kind: 'Decorator',
  description: 'A decoration key that logs the time the decorated handler or filter took.',
  schema: objectSchema({
    timeUnit: { type: 'string', description: 'A duration unit (ms, s, us, ns, minutes…); default ms' },
  }),
  create: (config, context) => {
    const unitPlace = childPlace(context.place, 'timeUnit');
    const unit = String(context.configValue(config.timeUnit ?? 'ms', unitPlace)).trim();
    const perUnit = millisecondsPerUnit(unit);
    if (perUnit === undefined) {
      throw new ConfigErrors([
        configError(
          'TG_CONFIG_BAD_VALUE',
          unitPlace,
          `"${unit}" is not a duration unit (such as ms, s or us)`,
        ),
      ]);
    }
    const inMilliseconds = perUnit === 1;
    return {
      decorate(target, kind, value, place, objectContext) {
        if (!decorationIsOn(value, place, objectContext)) return target;
        const log = objectContext.logger;
        return wrapAround(target, kind, async (_exchange, proceed) => {
          const started = process.hrtime.bigint();
          try {
            return await proceed();
          } finally {
            const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
            log.info(
              inMilliseconds ? { elapsedMs } : { elapsedMs, elapsed: elapsedMs / perUnit, timeUnit: unit },
              'elapsed time',
            );
          }
        });
      },
    };
  },
});
