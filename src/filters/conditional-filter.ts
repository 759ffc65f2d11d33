import { conditionSchema, objectSchema, referenceSchema } from '../config/schema.js';
import { childPlace } from '../errors/tollgate-error.js';
import { defineType, type Filter } from '../heap/types.js';
import { conditionHolds } from '../http/entity-loading.js';

interface ConditionalFilterConfig {
  condition: string | boolean;
  delegate: unknown;
}

export const conditionalFilterType = defineType<ConditionalFilterConfig, Filter>({
  type: 'ConditionalFilter',
  aliases: ['org.forgerock.openig.filter.ConditionalFilterHeaplet'],
  kind: 'Filter',
  description: 'Runs its delegate filter only when the condition is true; otherwise passes the request on.',
  schema: objectSchema({ condition: conditionSchema, delegate: referenceSchema }, ['condition', 'delegate']),
  create: (config, context) => {
    const condition = context.condition(config.condition, childPlace(context.place, 'condition'));
    const delegate = context.resolve<Filter>(
      config.delegate,
      'Filter',
      childPlace(context.place, 'delegate'),
    );
    return {
      async filter(exchange, next) {
        return (await conditionHolds(exchange, condition))
          ? delegate.filter(exchange, next)
          : next.handle(exchange);
      },
    };
  },
});
