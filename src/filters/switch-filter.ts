import { conditionSchema, objectSchema, referenceSchema } from '../config/schema.js';
import type { CompiledCondition } from '../el/api.js';
import { childPlace, type Place } from '../errors/tollgate-error.js';
import { defineType, type CreateContext, type Filter, type Handler } from '../heap/types.js';
import { conditionHolds } from '../http/entity-loading.js';
import type { Exchange } from '../http/exchange.js';

interface CaseConfig {
  condition?: string | boolean;
  handler: unknown;
}

interface SwitchFilterConfig {
  onRequest?: CaseConfig[];
  onResponse?: CaseConfig[];
}

interface Case {
  readonly condition: CompiledCondition | undefined;
  readonly handler: Handler;
}

const caseSchema = objectSchema({ condition: conditionSchema, handler: referenceSchema }, ['handler']);

function compileCases(cases: CaseConfig[] | undefined, context: CreateContext, place: Place): Case[] {
  return (cases ?? []).map((entry, i) => {
    const at = childPlace(place, i);
    return {
      condition:
        entry.condition === undefined
          ? undefined
          : context.condition(entry.condition, childPlace(at, 'condition')),
      handler: context.resolve<Handler>(entry.handler, 'Handler', childPlace(at, 'handler')),
    };
  });
}

/** The first case whose condition holds (a case without one always does). */
async function firstMatch(cases: readonly Case[], exchange: Exchange): Promise<Case | undefined> {
  for (const entry of cases) {
    if (!entry.condition || (await conditionHolds(exchange, entry.condition))) return entry;
  }
  return undefined;
}

export const switchFilterType = defineType<SwitchFilterConfig, Filter>({
  type: 'SwitchFilter',
  aliases: ['org.forgerock.openig.filter.SwitchFilter'],
  kind: 'Filter',
  description:
    "Diverts the request to the handler of the first case whose condition holds, on the way in (the rest of the chain is skipped) or on the way out (its response replaces the chain's).",
  schema: objectSchema({
    onRequest: { type: 'array', items: caseSchema },
    onResponse: { type: 'array', items: caseSchema },
  }),
  create: (config, context) => {
    const onRequest = compileCases(config.onRequest, context, childPlace(context.place, 'onRequest'));
    const onResponse = compileCases(config.onResponse, context, childPlace(context.place, 'onResponse'));
    return {
      async filter(exchange, next) {
        const diverted = await firstMatch(onRequest, exchange);
        if (diverted) return diverted.handler.handle(exchange);
        const response = await next.handle(exchange);
        if (onResponse.length === 0) return response;
        exchange.response = response;
        const replaced = await firstMatch(onResponse, exchange);
        return replaced ? replaced.handler.handle(exchange) : response;
      },
    };
  },
});
