import { conditionSchema, objectSchema, referenceSchema } from '../config/schema.js';
import type { CompiledCondition } from '../el/api.js';
import { childPlace } from '../errors/tollgate-error.js';
import { conditionHolds } from '../http/entity-loading.js';
import type { Exchange } from '../http/exchange.js';
import type { Response } from '../http/message.js';
import { defineType, type Handler } from '../heap/types.js';

interface SequenceHandlerConfig {
  bindings: { handler: unknown; postcondition?: string | boolean }[];
}

/**
 * Runs handlers one after the other with the same request; after each, its postcondition (with
 * `response` bound) decides whether to go on. The last response reached is returned.
 */
class SequenceHandler implements Handler {
  constructor(
    readonly bindings: readonly { handler: Handler; postcondition: CompiledCondition | undefined }[],
  ) {}

  async handle(exchange: Exchange): Promise<Response> {
    let response: Response | undefined;
    for (const [i, { handler, postcondition }] of this.bindings.entries()) {
      response = await handler.handle(exchange);
      exchange.response = response;
      if (i === this.bindings.length - 1) break;
      if (postcondition && !(await conditionHolds(exchange, postcondition))) break;
      response.entity.discard();
    }
    return response!;
  }
}

export const sequenceHandlerType = defineType<SequenceHandlerConfig, Handler>({
  type: 'SequenceHandler',
  aliases: ['org.forgerock.openig.handler.SequenceHandler'],
  kind: 'Handler',
  description: 'Runs handlers in sequence while each postcondition holds; returns the last response.',
  schema: objectSchema(
    {
      bindings: {
        type: 'array',
        minItems: 1,
        items: objectSchema({ handler: referenceSchema, postcondition: conditionSchema }, ['handler']),
      },
    },
    ['bindings'],
  ),
  create: (config, context) =>
    new SequenceHandler(
      config.bindings.map((binding, i) => {
        const place = childPlace(context.place, 'bindings', i);
        return {
          handler: context.resolve<Handler>(binding.handler, 'Handler', childPlace(place, 'handler')),
          postcondition:
            binding.postcondition === undefined
              ? undefined
              : context.condition(binding.postcondition, childPlace(place, 'postcondition')),
        };
      }),
    ),
});
