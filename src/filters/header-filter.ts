import { headerMapSchema, objectSchema } from '../config/schema.js';
import { childPlace, collectErrors, ConfigErrors, type TollgateError } from '../errors/tollgate-error.js';
import { entityNeeds, loadEntities } from '../http/entity-loading.js';
import type { Headers } from '../http/headers.js';
import { addHeaders, compileHeaders } from '../handlers/static-response-handler.js';
import { defineType, type Filter } from '../heap/types.js';

interface HeaderFilterConfig {
  messageType: 'REQUEST' | 'RESPONSE' | 'request' | 'response';
  remove?: string[];
  add?: Record<string, string | string[]>;
  replace?: Record<string, string | string[]>;
}

export const headerFilterType = defineType<HeaderFilterConfig, Filter>({
  type: 'HeaderFilter',
  aliases: ['org.forgerock.openig.filter.HeaderFilter'],
  kind: 'Filter',
  description: 'Removes, adds and replaces headers of the request or of the response.',
  schema: objectSchema(
    {
      messageType: { enum: ['REQUEST', 'RESPONSE', 'request', 'response'] },
      remove: { type: 'array', items: { type: 'string' } },
      add: headerMapSchema,
      replace: headerMapSchema,
    },
    ['messageType'],
  ),
  create: (config, context) => {
    const remove = (config.remove ?? []).map((name, i) =>
      String(context.configValue(name, childPlace(context.place, 'remove', i))),
    );
    const problems: TollgateError[] = [];
    const add = collectErrors(problems, () =>
      compileHeaders(config.add, context, childPlace(context.place, 'add')),
    );
    const replace = collectErrors(problems, () =>
      compileHeaders(config.replace, context, childPlace(context.place, 'replace')),
    );
    if (add === undefined || replace === undefined) throw new ConfigErrors(problems);
    const replaced = replace.entries.map((e) => e.name);
    const needs = entityNeeds([add.needs, replace.needs]);
    const onRequest = config.messageType.toUpperCase() === 'REQUEST';
    // PingGateway's order: remove the listed headers, then add (appending), then replace.
    const apply = async (headers: Headers, exchange: Parameters<Filter['filter']>[0]): Promise<void> => {
      await loadEntities(exchange, needs);
      for (const name of remove) headers.delete(name);
      addHeaders(headers, add, exchange);
      for (const name of replaced) headers.delete(name);
      addHeaders(headers, replace, exchange);
    };
    return {
      async filter(exchange, next) {
        if (onRequest) {
          await apply(exchange.request.headers, exchange);
          return next.handle(exchange);
        }
        const response = await next.handle(exchange);
        exchange.response = response;
        await apply(response.headers, exchange);
        return response;
      },
    };
  },
});
