import { objectSchema, referenceListSchema, referenceSchema } from '../config/schema.js';
import { childPlace } from '../errors/tollgate-error.js';
import { defineType, type CreateContext, type Filter, type Handler } from '../heap/types.js';

interface ChainConfig {
  filters: unknown[];
  handler: unknown;
}

/** Folds filters around a handler once, at build time, so a request walks prepared closures. */
export function foldChain(filters: readonly Filter[], handler: Handler): Handler {
  return filters.reduceRight<Handler>(
    (next, filter) => ({ handle: (exchange) => filter.filter(exchange, next) }),
    handler,
  );
}

export function resolveFilters(references: readonly unknown[], context: CreateContext): Filter[] {
  return references.map((reference, i) =>
    context.resolve<Filter>(reference, 'Filter', childPlace(context.place, 'filters', i)),
  );
}

export const chainType = defineType<ChainConfig, Handler>({
  type: 'Chain',
  kind: 'Handler',
  description: 'Passes the request through its filters, in order, then to its handler.',
  schema: objectSchema({ filters: referenceListSchema, handler: referenceSchema }, ['filters', 'handler']),
  create: (config, context) =>
    foldChain(
      resolveFilters(config.filters, context),
      context.resolve<Handler>(config.handler, 'Handler', childPlace(context.place, 'handler')),
    ),
});
