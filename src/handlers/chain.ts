import { objectSchema, referenceListSchema, referenceSchema } from '../config/schema.js';
import { childPlace, collectErrors, ConfigErrors, type TollgateError } from '../errors/tollgate-error.js';
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

/** The filters of a `filters` list, each failing one's errors added to `problems`. */
function collectFilters(
  references: readonly unknown[],
  context: CreateContext,
  problems: TollgateError[],
): (Filter | undefined)[] {
  return references.map((reference, i) =>
    collectErrors(problems, () =>
      context.resolve<Filter>(reference, 'Filter', childPlace(context.place, 'filters', i)),
    ),
  );
}

/** The filters of a `filters` list; throws ConfigErrors listing every filter that fails, not only the first. */
export function resolveFilters(references: readonly unknown[], context: CreateContext): Filter[] {
  const problems: TollgateError[] = [];
  const filters = collectFilters(references, context, problems);
  if (problems.length > 0) throw new ConfigErrors(problems);
  return filters as Filter[];
}

export const chainType = defineType<ChainConfig, Handler>({
  type: 'Chain',
  aliases: ['org.forgerock.openig.filter.ChainHandlerHeaplet'],
  kind: 'Handler',
  description: 'Passes the request through its filters, in order, then to its handler.',
  schema: objectSchema({ filters: referenceListSchema, handler: referenceSchema }, ['filters', 'handler']),
  create: (config, context) => {
    const problems: TollgateError[] = [];
    const filters = collectFilters(config.filters, context, problems);
    const handler = collectErrors(problems, () =>
      context.resolve<Handler>(config.handler, 'Handler', childPlace(context.place, 'handler')),
    );
    if (problems.length > 0 || handler === undefined) throw new ConfigErrors(problems);
    return foldChain(filters as Filter[], handler);
  },
});
