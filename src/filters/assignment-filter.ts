import { conditionSchema, expressionSchema, objectSchema } from '../config/schema.js';
import type { CompiledCondition, CompiledLValue, CompiledTemplate } from '../el/api.js';
import { childPlace, type Place } from '../errors/tollgate-error.js';
import { defineType, type CreateContext, type Filter } from '../heap/types.js';
import { conditionHolds, loadEntities } from '../http/entity-loading.js';
import type { Exchange } from '../http/exchange.js';

interface BindingConfig {
  condition?: string | boolean;
  target: string;
  value?: unknown;
}

interface AssignmentFilterConfig {
  onRequest?: BindingConfig[];
  onResponse?: BindingConfig[];
}

interface Binding {
  readonly condition: CompiledCondition | undefined;
  readonly target: CompiledLValue;
  readonly value: CompiledTemplate | undefined;
}

const bindingSchema = objectSchema({ condition: conditionSchema, target: expressionSchema, value: {} }, [
  'target',
]);

function compileBindings(
  bindings: BindingConfig[] | undefined,
  context: CreateContext,
  place: Place,
): Binding[] {
  return (bindings ?? []).map((binding, i) => {
    const at = childPlace(place, i);
    return {
      condition:
        binding.condition === undefined
          ? undefined
          : context.condition(binding.condition, childPlace(at, 'condition')),
      target: context.lvalue(binding.target, childPlace(at, 'target')),
      value:
        binding.value === undefined ? undefined : context.template(binding.value, childPlace(at, 'value')),
    };
  });
}

async function run(bindings: readonly Binding[], exchange: Exchange): Promise<void> {
  for (const { condition, target, value } of bindings) {
    if (condition && !(await conditionHolds(exchange, condition))) continue;
    if (value) await loadEntities(exchange, value);
    target.assign(exchange, value ? value.evaluate(exchange) : null);
  }
}

export const assignmentFilterType = defineType<AssignmentFilterConfig, Filter>({
  type: 'AssignmentFilter',
  aliases: ['org.forgerock.openig.filter.AssignmentFilter'],
  kind: 'Filter',
  description:
    'Assigns values to targets such as ${attributes.x} when the request passes and when the response returns.',
  schema: objectSchema({
    onRequest: { type: 'array', items: bindingSchema },
    onResponse: { type: 'array', items: bindingSchema },
  }),
  create: (config, context) => {
    const onRequest = compileBindings(config.onRequest, context, childPlace(context.place, 'onRequest'));
    const onResponse = compileBindings(config.onResponse, context, childPlace(context.place, 'onResponse'));
    return {
      async filter(exchange, next) {
        await run(onRequest, exchange);
        const response = await next.handle(exchange);
        if (onResponse.length > 0) {
          exchange.response = response;
          await run(onResponse, exchange);
        }
        return response;
      },
    };
  },
});
