import { objectSchema, referenceListSchema } from '../config/schema.js';
import { foldChain, resolveFilters } from '../handlers/chain.js';
import { defineType, type Filter, type Handler } from '../heap/types.js';

interface ChainOfFiltersConfig {
  filters: unknown[];
}

export const chainOfFiltersType = defineType<ChainOfFiltersConfig, Filter>({
  type: 'ChainOfFilters',
  aliases: ['org.forgerock.openig.filter.ChainFilterHeaplet'],
  kind: 'Filter',
  description: 'A filter made of filters, applied in order.',
  schema: objectSchema({ filters: referenceListSchema }, ['filters']),
  create: (config, context) => {
    const filters = resolveFilters(config.filters, context);
    return {
      filter: (exchange, next: Handler) => foldChain(filters, next).handle(exchange),
    };
  },
});
