import { conditionSchema, expressionSchema, objectSchema, referenceSchema } from '../config/schema.js';
import type { CompiledCondition } from '../el/api.js';
import { childPlace } from '../errors/tollgate-error.js';
import { conditionHolds } from '../http/entity-loading.js';
import type { Exchange } from '../http/exchange.js';
import { textResponse, type Response } from '../http/message.js';
import { compileRebase } from '../heap/base-uri.js';
import { defineType, type Decorator, type Handler } from '../heap/types.js';

interface DispatchHandlerConfig {
  bindings: {
    name?: string;
    condition?: string | boolean;
    handler: unknown;
    baseURI?: string;
    capture?: string | string[];
  }[];
}

interface Binding {
  /** The binding's label, for the debug line saying which one answered. */
  readonly name: string | undefined;
  readonly condition: CompiledCondition | undefined;
  readonly handler: Handler;
  readonly rebase: ((exchange: Exchange) => boolean) | undefined;
}

class DispatchHandler implements Handler {
  constructor(readonly bindings: readonly Binding[]) {}

  async handle(exchange: Exchange): Promise<Response> {
    for (const binding of this.bindings) {
      if (binding.condition && !(await conditionHolds(exchange, binding.condition))) continue;
      if (binding.rebase && !binding.rebase(exchange)) return textResponse(500);
      if (binding.name !== undefined)
        exchange.log.debug({ binding: binding.name }, 'DispatchHandler binding chosen');
      return binding.handler.handle(exchange);
    }
    exchange.log.debug({ code: 'TG_ROUTE_NOT_FOUND' }, 'no DispatchHandler binding matches');
    return textResponse(404);
  }
}

export const dispatchHandlerType = defineType<DispatchHandlerConfig, Handler>({
  type: 'DispatchHandler',
  aliases: ['org.forgerock.openig.handler.DispatchHandler'],
  kind: 'Handler',
  description:
    'Sends the request to the handler of the first binding whose condition is true; 404 when none is.',
  schema: objectSchema(
    {
      bindings: {
        type: 'array',
        items: objectSchema(
          {
            name: { type: 'string', description: 'A label for the binding, in debug logs' },
            condition: conditionSchema,
            handler: referenceSchema,
            baseURI: expressionSchema,
            capture: {
              type: ['string', 'array'],
              items: { type: 'string' },
              description: "The capture decoration of the binding's handler (request, response, all…)",
            },
          },
          ['handler'],
        ),
      },
    },
    ['bindings'],
  ),
  create: (config, context) =>
    new DispatchHandler(
      config.bindings.map((binding, i) => {
        const place = childPlace(context.place, 'bindings', i);
        const handler = context.resolve<Handler>(binding.handler, 'Handler', childPlace(place, 'handler'));
        return {
          name: binding.name,
          condition:
            binding.condition === undefined
              ? undefined
              : context.condition(binding.condition, childPlace(place, 'condition')),
          handler:
            binding.capture === undefined
              ? handler
              : (context
                  .resolve<Decorator>('capture', 'Decorator', childPlace(place, 'capture'))
                  .decorate(
                    handler,
                    'Handler',
                    binding.capture,
                    childPlace(place, 'capture'),
                    context,
                  ) as Handler),
          rebase:
            binding.baseURI === undefined
              ? undefined
              : compileRebase(binding.baseURI, childPlace(place, 'baseURI'), context),
        };
      }),
    ),
});
