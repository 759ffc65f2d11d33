import { objectSchema } from '../config/schema.js';
import { defineType, type Handler } from '../heap/types.js';
import { CompiledScript, scriptConfigProperties, type ScriptConfig } from '../services/script.js';

export const scriptableHandlerType = defineType<ScriptConfig, Handler>({
  type: 'ScriptableHandler',
  aliases: ['org.forgerock.openig.handler.ScriptableHandler'],
  kind: 'Handler',
  description:
    'Answers with the response a JavaScript script builds (QuickJS, with CPU-time and memory limits).',
  schema: objectSchema(scriptConfigProperties, ['type']),
  create: (config, context) => {
    const script = new CompiledScript(config, context, 'handler');
    return { handle: (exchange) => script.run(exchange) };
  },
});
