import { objectSchema } from '../config/schema.js';
import { textResponse } from '../http/message.js';
import { compileRebase } from './base-uri.js';
import { wrapAround } from './decorators.js';
import { defineType, type Decorator } from './types.js';

/**
 * PingGateway's BaseUriDecorator: `"<name>": "<runtime expression<url>>"` rebases the request's
 * scheme, host and port before the decorated object runs; a base that is null or not an absolute
 * URI answers 500. It has no configuration of its own.
 */
export const baseUriDecoratorType = defineType<Record<string, never>, Decorator>({
  type: 'BaseUriDecorator',
  aliases: ['org.forgerock.openig.decoration.baseuri.BaseUriDecorator'],
  kind: 'Decorator',
  description: 'A decoration key that rebases the request URI (scheme, host, port) before the object runs.',
  schema: objectSchema({}),
  create: () => ({
    decorate(target, kind, value, place, context) {
      const rebase = compileRebase(value, place, context);
      return wrapAround(target, kind, (exchange, proceed) =>
        rebase(exchange) ? proceed() : Promise.resolve(textResponse(500)),
      );
    },
  }),
});
