import { expressionSchema, headerMapSchema, objectSchema } from '../config/schema.js';
import type { CompiledTemplate } from '../el/api.js';
import { childPlace, configError, formatPlace, type Place } from '../errors/tollgate-error.js';
import { entityNeeds, loadEntities, type EntityNeeds } from '../http/entity-loading.js';
import { Entity } from '../http/entity.js';
import type { Exchange } from '../http/exchange.js';
import { Headers, isValidHeaderName, isValidHeaderValue } from '../http/headers.js';
import { Response } from '../http/message.js';
import { defineType, type CreateContext, type Handler } from '../heap/types.js';

interface StaticResponseHandlerConfig {
  status?: number | string;
  reason?: string;
  headers?: Record<string, string | string[]>;
  entity?: string | string[];
}

export interface CompiledHeaders {
  readonly entries: readonly {
    name: string;
    values: readonly { template: CompiledTemplate; place: Place }[];
  }[];
  readonly needs: EntityNeeds;
}

/**
 * Compiles a `{name: [expression…]}` map once; names are configuration expressions, checked as
 * HTTP field names here (a bad one would fail every response).
 */
export function compileHeaders(
  headers: Record<string, string | string[]> | undefined,
  context: CreateContext,
  place: Place,
): CompiledHeaders {
  const entries = Object.entries(headers ?? {}).map(([key, values]) => {
    const name = String(context.configValue(key, childPlace(place, key)));
    if (!isValidHeaderName(name)) {
      throw configError(
        'TG_CONFIG_BAD_VALUE',
        childPlace(place, key),
        `"${name}" is not an HTTP header name`,
      );
    }
    // A single string sits at the key itself, a list's values at their index.
    const at = (i: number): Place =>
      Array.isArray(values) ? childPlace(place, key, i) : childPlace(place, key);
    return {
      name,
      values: (Array.isArray(values) ? values : [values]).map((v, i) => ({
        template: context.template(v, at(i)),
        place: at(i),
      })),
    };
  });
  return { entries, needs: entityNeeds(entries.flatMap((e) => e.values.map((v) => v.template))) };
}

/**
 * Adds every header value; values that evaluate to null are skipped, as PingGateway does. A value
 * with a character no header may carry (CR, LF, NUL, other controls, anything past U+00FF) is
 * dropped and logged: sent on, it would split the message or fail it.
 */
export function addHeaders(target: Headers, compiled: CompiledHeaders, exchange: Exchange): void {
  for (const { name, values } of compiled.entries) {
    for (const { template, place } of values) {
      const value = template.evaluate(exchange);
      if (value == null) continue;
      const text = String(value);
      if (isValidHeaderValue(text)) target.add(name, text);
      else {
        exchange.log.warn(
          { code: 'TG_HEADER_INVALID_VALUE', header: name, place: formatPlace(place) },
          'a header value holds a character a header cannot carry; the value is dropped',
        );
      }
    }
  }
}

function textOf(value: unknown): string {
  if (value == null) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

class StaticResponseHandler implements Handler {
  readonly #status: CompiledTemplate;
  readonly #reason: string | undefined;
  readonly #headers: CompiledHeaders;
  readonly #entity: readonly CompiledTemplate[];
  readonly #needs: EntityNeeds;

  constructor(config: StaticResponseHandlerConfig, context: CreateContext) {
    this.#status = context.template(config.status ?? 200, childPlace(context.place, 'status'));
    // A reason phrase may hold what a header value may (RFC 9112 §4).
    if (config.reason !== undefined && !isValidHeaderValue(config.reason)) {
      throw configError(
        'TG_CONFIG_BAD_VALUE',
        childPlace(context.place, 'reason'),
        'a reason phrase cannot hold control characters or characters past U+00FF',
      );
    }
    this.#reason = config.reason;
    this.#headers = compileHeaders(config.headers, context, childPlace(context.place, 'headers'));
    const entity =
      config.entity === undefined ? [] : Array.isArray(config.entity) ? config.entity : [config.entity];
    this.#entity = entity.map((part, i) =>
      context.template(
        part,
        Array.isArray(config.entity)
          ? childPlace(context.place, 'entity', i)
          : childPlace(context.place, 'entity'),
      ),
    );
    this.#needs = entityNeeds([...this.#entity, this.#headers.needs]);
  }

  async handle(exchange: Exchange): Promise<Response> {
    await loadEntities(exchange, this.#needs);
    const status = Number(this.#status.evaluate(exchange));
    const headers = new Headers();
    addHeaders(headers, this.#headers, exchange);
    const body =
      this.#entity.length === 0 ? null : this.#entity.map((t) => textOf(t.evaluate(exchange))).join('');
    if (body !== null) headers.set('Content-Length', String(Buffer.byteLength(body)));
    return new Response({
      // A 1xx is never a final answer: sent as one, the client would wait for the real one.
      status: Number.isInteger(status) && status >= 200 && status <= 999 ? status : 500,
      reason: this.#reason,
      headers,
      entity: new Entity(body),
    });
  }
}

export const staticResponseHandlerType = defineType<StaticResponseHandlerConfig, Handler>({
  type: 'StaticResponseHandler',
  kind: 'Handler',
  description:
    'Answers with a fixed status, headers and entity; header values and the entity are expressions.',
  schema: objectSchema({
    status: { type: ['integer', 'string'] },
    reason: { type: 'string' },
    headers: headerMapSchema,
    entity: { type: ['string', 'array'], items: expressionSchema },
  }),
  create: (config, context) => new StaticResponseHandler(config, context),
});
