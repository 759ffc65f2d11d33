import { objectSchema } from '../config/schema.js';
import { defineType, type Filter } from '../heap/types.js';
import { CompiledScript, scriptConfigProperties, type ScriptConfig } from '../services/script.js';

export const scriptableFilterType = defineType<ScriptConfig, Filter>({
  type: 'ScriptableFilter',
  aliases: ['org.forgerock.openig.filter.ScriptableFilter'],
  kind: 'Filter',
  description:
    'Runs a JavaScript script (QuickJS, with CPU-time and memory limits) that answers the request or passes it on with `next`.',
  schema: objectSchema(scriptConfigProperties, ['type']),
  create: (config, context) => {
    const script = new CompiledScript(config, context, 'filter');
    return {
      filter: (exchange, next) => script.run(exchange, (e) => next.handle(e)),
    };
  },
});
