import { conditionSchema, objectSchema, referenceSchema } from '../config/schema.js';
import { childPlace } from '../errors/tollgate-error.js';
import { conditionHolds } from '../http/entity-loading.js';
import { textResponse } from '../http/message.js';
import { defineType, type Filter, type Handler } from '../heap/types.js';

interface ConditionEnforcementFilterConfig {
  condition: string | boolean;
  failureHandler?: unknown;
}

export const conditionEnforcementFilterType = defineType<ConditionEnforcementFilterConfig, Filter>({
  type: 'ConditionEnforcementFilter',
  aliases: ['org.forgerock.openig.filter.ConditionEnforcementFilter'],
  kind: 'Filter',
  description:
    'Lets the request on only when the condition is true; otherwise the failureHandler answers (default 403).',
  schema: objectSchema({ condition: conditionSchema, failureHandler: referenceSchema }, ['condition']),
  create: (config, context) => {
    const condition = context.condition(config.condition, childPlace(context.place, 'condition'));
    const failureHandler = context.resolveOptional<Handler>(
      config.failureHandler,
      'Handler',
      childPlace(context.place, 'failureHandler'),
    );
    return {
      async filter(exchange, next) {
        if (await conditionHolds(exchange, condition)) return next.handle(exchange);
        return failureHandler ? failureHandler.handle(exchange) : textResponse(403);
      },
    };
  },
});
