import { TextDecoder } from 'node:util';
import { expressionSchema, objectSchema } from '../config/schema.js';
import { compilePatternAt, firstGroupsInLines, linesOf, type JavaPattern } from '../el/regex.js';
import {
  childPlace,
  collectErrors,
  ConfigErrors,
  configError,
  type TollgateError,
} from '../errors/tollgate-error.js';
import { defineType, type Filter } from '../heap/types.js';
import type { Entity } from '../http/entity.js';
import type { Headers } from '../http/headers.js';

interface BindingConfig {
  key: string;
  pattern: string;
  template?: string;
}

interface EntityExtractFilterConfig {
  messageType: string;
  charset?: string;
  target: string;
  bindings?: BindingConfig[];
}

interface Binding {
  readonly key: string;
  readonly pattern: JavaPattern;
  readonly template: string | undefined;
}

/** PingGateway's pattern template: `$g` is capturing group g, a backslash makes the next character literal. */
function applyTemplate(template: string, groups: readonly (string | null)[]): string {
  return template.replace(/\\(.)|\$(\d+)/gs, (_, escaped: string | undefined, group: string | undefined) =>
    escaped !== undefined ? escaped : (groups[Number(group)] ?? ''),
  );
}

/** A decoder for `charset`, else for the message's Content-Type charset, else UTF-8. */
function decoderFor(headers: Headers, charset: TextDecoder | undefined): TextDecoder {
  if (charset) return charset;
  const declared = /;\s*charset="?([^";\s]+)/i.exec(headers.first('Content-Type') ?? '')?.[1];
  try {
    return new TextDecoder(declared ?? 'utf-8');
  } catch {
    return new TextDecoder('utf-8');
  }
}

export const entityExtractFilterType = defineType<EntityExtractFilterConfig, Filter>({
  type: 'EntityExtractFilter',
  aliases: ['org.forgerock.openig.filter.EntityExtractFilter'],
  kind: 'Filter',
  description:
    'Finds regular expressions in the request or response body and stores each match, through its template, under its key in the target map; a key whose pattern is not found is null.',
  schema: objectSchema(
    {
      messageType: { enum: ['REQUEST', 'RESPONSE', 'request', 'response'] },
      charset: { type: 'string' },
      target: expressionSchema,
      bindings: {
        type: 'array',
        items: objectSchema(
          { key: { type: 'string' }, pattern: { type: 'string' }, template: { type: 'string' } },
          ['key', 'pattern'],
        ),
      },
    },
    ['messageType', 'target'],
  ),
  create: (config, context) => {
    const place = context.place;
    const problems: TollgateError[] = [];
    const target = collectErrors(problems, () => context.lvalue(config.target, childPlace(place, 'target')));
    const bindings = (config.bindings ?? []).map((binding, i) => {
      const at = childPlace(place, 'bindings', i);
      return collectErrors(problems, (): Binding => ({
        key: String(context.configValue(binding.key, childPlace(at, 'key'))),
        pattern: compilePatternAt(
          String(context.configValue(binding.pattern, childPlace(at, 'pattern'))),
          childPlace(at, 'pattern'),
        ),
        template:
          binding.template === undefined
            ? undefined
            : String(context.configValue(binding.template, childPlace(at, 'template'))),
      }));
    });
    const charset = collectErrors(problems, () => {
      if (config.charset === undefined) return undefined;
      const charsetPlace = childPlace(place, 'charset');
      const name = String(context.configValue(config.charset, charsetPlace));
      try {
        return new TextDecoder(name);
      } catch {
        throw configError('TG_CONFIG_BAD_VALUE', charsetPlace, `"${name}" is not a character set`);
      }
    });
    if (problems.length > 0 || target === undefined) throw new ConfigErrors(problems);
    const compiled = bindings as Binding[];
    const onRequest = config.messageType.toUpperCase() === 'REQUEST';
    const extract = async (
      entity: Entity,
      headers: Headers,
      exchange: Parameters<Filter['filter']>[0],
      tooLarge: 'TG_REQUEST_ENTITY_TOO_LARGE' | 'TG_UPSTREAM_RESPONSE_TOO_LARGE',
    ): Promise<void> => {
      await entity.load(exchange.maxEntityBytes, tooLarge);
      const lines = linesOf(decoderFor(headers, charset).decode(entity.bytes ?? Buffer.alloc(0)));
      const values: Record<string, string | null> = {};
      for (const { key, pattern, template } of compiled) {
        const groups = firstGroupsInLines(pattern, lines);
        values[key] =
          groups === null ? null : template === undefined ? groups[0]! : applyTemplate(template, groups);
      }
      target.assign(exchange, values);
    };
    return {
      async filter(exchange, next) {
        if (onRequest) {
          await extract(
            exchange.request.entity,
            exchange.request.headers,
            exchange,
            'TG_REQUEST_ENTITY_TOO_LARGE',
          );
          return next.handle(exchange);
        }
        const response = await next.handle(exchange);
        exchange.response = response;
        await extract(response.entity, response.headers, exchange, 'TG_UPSTREAM_RESPONSE_TOO_LARGE');
        return response;
      },
    };
  },
});
