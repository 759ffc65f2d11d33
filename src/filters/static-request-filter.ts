import { expressionSchema, headerMapSchema, objectSchema } from '../config/schema.js';
import type { CompiledTemplate } from '../el/api.js';
import {
  childPlace,
  collectErrors,
  ConfigErrors,
  configError,
  formatPlace,
  type Place,
  type TollgateError,
} from '../errors/tollgate-error.js';
import { addHeaders, compileHeaders } from '../handlers/static-response-handler.js';
import { defineType, type CreateContext, type Filter } from '../heap/types.js';
import { entityNeeds, loadEntities } from '../http/entity-loading.js';
import { Entity } from '../http/entity.js';
import type { Exchange } from '../http/exchange.js';
import { FORM_MEDIA_TYPE, formUrlEncode } from '../http/form.js';
import { Headers, isValidMethod } from '../http/headers.js';
import { Request, textResponse } from '../http/message.js';
import { RequestUri } from '../http/uri.js';

interface StaticRequestFilterConfig {
  method: string;
  uri: string;
  version?: string;
  headers?: Record<string, string | string[]>;
  form?: Record<string, string | string[]>;
  entity?: string;
}

interface FormField {
  readonly name: string;
  readonly values: readonly CompiledTemplate[];
}

function compileForm(
  form: Record<string, string | string[]> | undefined,
  context: CreateContext,
  place: Place,
): FormField[] {
  return Object.entries(form ?? {}).map(([key, values]) => ({
    name: String(context.configValue(key, childPlace(place, key))),
    values: (Array.isArray(values) ? values : [values]).map((value, i) =>
      context.template(value, Array.isArray(values) ? childPlace(place, key, i) : childPlace(place, key)),
    ),
  }));
}

/** The form's fields as application/x-www-form-urlencoded; values that evaluate to null are left out. */
function encodeForm(fields: readonly FormField[], exchange: Exchange): string {
  const pairs: string[] = [];
  for (const { name, values } of fields) {
    for (const template of values) {
      const value = template.evaluate(exchange);
      if (value != null) pairs.push(`${formUrlEncode(name)}=${formUrlEncode(String(value))}`);
    }
  }
  return pairs.join('&');
}

function parseUri(value: unknown): RequestUri | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    const uri = RequestUri.parse(value);
    return uri.host ? uri : undefined;
  } catch {
    return undefined;
  }
}

export const staticRequestFilterType = defineType<StaticRequestFilterConfig, Filter>({
  type: 'StaticRequestFilter',
  aliases: ['org.forgerock.openig.filter.StaticRequestFilter'],
  kind: 'Filter',
  description:
    'Replaces the request with a new one: method, URI, headers, and a form (the body of a POST, else added to the query) or an entity.',
  schema: objectSchema(
    {
      method: { type: 'string' },
      uri: expressionSchema,
      version: { type: 'string' },
      headers: headerMapSchema,
      form: headerMapSchema,
      entity: expressionSchema,
    },
    ['method', 'uri'],
  ),
  create: (config, context) => {
    const place = context.place;
    const method = String(context.configValue(config.method, childPlace(place, 'method')));
    const problems: TollgateError[] = [];
    if (!isValidMethod(method)) {
      problems.push(
        configError('TG_CONFIG_BAD_VALUE', childPlace(place, 'method'), `"${method}" is not an HTTP method`),
      );
    }
    const isPost = method.toUpperCase() === 'POST';
    if (isPost && config.form !== undefined && config.entity !== undefined) {
      problems.push(
        configError(
          'TG_CONFIG_BAD_VALUE',
          childPlace(place, 'entity'),
          'a POST takes a form or an entity, not both',
        ),
      );
    }
    const uri = collectErrors(problems, () => context.template(config.uri, childPlace(place, 'uri')));
    const headers = collectErrors(problems, () =>
      compileHeaders(config.headers, context, childPlace(place, 'headers')),
    );
    const form = collectErrors(problems, () => compileForm(config.form, context, childPlace(place, 'form')));
    const entity = collectErrors(problems, () =>
      config.entity === undefined ? null : context.template(config.entity, childPlace(place, 'entity')),
    );
    if (problems.length > 0 || !uri || !headers || !form || entity === undefined)
      throw new ConfigErrors(problems);
    const version =
      config.version === undefined
        ? undefined
        : String(context.configValue(config.version, childPlace(place, 'version')));
    const needs = entityNeeds([
      uri,
      headers.needs,
      ...form.flatMap((f) => f.values),
      ...(entity ? [entity] : []),
    ]);
    const uriPlace = formatPlace(childPlace(place, 'uri'));
    return {
      async filter(exchange, next) {
        await loadEntities(exchange, needs);
        const evaluated = uri.evaluate(exchange);
        const target = parseUri(evaluated);
        if (!target) {
          exchange.log.error(
            { code: 'TG_REQUEST_URI_INVALID', place: uriPlace },
            "a StaticRequestFilter's uri expression did not give an absolute URI",
          );
          return textResponse(500);
        }
        const outgoing = new Headers();
        addHeaders(outgoing, headers, exchange);
        let body: string | null = entity ? String(entity.evaluate(exchange) ?? '') : null;
        if (form.length > 0) {
          const encoded = encodeForm(form, exchange);
          if (isPost) {
            body = encoded;
            outgoing.set('Content-Type', FORM_MEDIA_TYPE);
          } else if (encoded !== '') {
            target.rawQuery = target.rawQuery ? `${target.rawQuery}&${encoded}` : encoded;
          }
        }
        if (body !== null) outgoing.set('Content-Length', String(Buffer.byteLength(body)));
        exchange.request = new Request({
          method,
          uri: target,
          ...(version === undefined ? {} : { version }),
          headers: outgoing,
          entity: new Entity(body),
        });
        return next.handle(exchange);
      },
    };
  },
});
