import { expressionSchema, headerMapSchema, objectSchema } from '../config/schema.js';
import type { CompiledTemplate } from '../el/api.js';
import { elGet, type ElReadable } from '../el/host.js';
import { errorCatalogue } from '../errors/catalogue.js';
import {
  childPlace,
  ConfigErrors,
  configError,
  formatPlace,
  type Place,
  type TollgateError,
} from '../errors/tollgate-error.js';
import { entityNeeds, loadEntities, type EntityNeeds } from '../http/entity-loading.js';
import { Entity } from '../http/entity.js';
import type { Exchange } from '../http/exchange.js';
import { Headers, isValidHeaderName, isValidHeaderValue } from '../http/headers.js';
import { Response } from '../http/message.js';
import { asErrors } from '../heap/heap.js';
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
 * HTTP field names here (a bad one would fail every response), and so are values with no
 * expression (a bad one would be dropped from every response). Every bad name and value is listed.
 */
export function compileHeaders(
  headers: Record<string, string | string[]> | undefined,
  context: CreateContext,
  place: Place,
): CompiledHeaders {
  const problems: TollgateError[] = [];
  const entries: CompiledHeaders['entries'][number][] = [];
  for (const [key, values] of Object.entries(headers ?? {})) {
    try {
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
      const compiled = (Array.isArray(values) ? values : [values]).flatMap((v, i) => {
        try {
          const template = context.template(v, at(i));
          if (template.constant && !isValidHeaderValue(String(template.evaluate(noScope) ?? ''))) {
            throw configError(
              'TG_CONFIG_BAD_VALUE',
              at(i),
              'a header value cannot hold control characters or characters past U+00FF',
            );
          }
          return [{ template, place: at(i) }];
        } catch (error) {
          problems.push(...asErrors(error));
          return [];
        }
      });
      entries.push({ name, values: compiled });
    } catch (error) {
      problems.push(...asErrors(error));
    }
  }
  if (problems.length > 0) throw new ConfigErrors(problems);
  return { entries, needs: entityNeeds(entries.flatMap((e) => e.values.map((v) => v.template))) };
}

/** The scope a value with no expression is evaluated in: it reads nothing. */
const noScope: ElReadable = Object.freeze({ [elGet]: () => undefined });

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

/** A final HTTP status: a 1xx is never a final answer (the client would wait for the real one). */
function isFinalStatus(status: number): boolean {
  return Number.isInteger(status) && status >= 200 && status <= 599;
}

/**
 * The status, compiled once. A literal one (a number, or a string with no expression) is checked
 * here, so that a typo fails the load rather than every request.
 */
function compileStatus(status: number | string, context: CreateContext): CompiledTemplate {
  const place = childPlace(context.place, 'status');
  const template = context.template(status, place);
  if (template.constant && !isFinalStatus(Number(template.evaluate(noScope)))) {
    throw configError(
      'TG_CONFIG_BAD_VALUE',
      place,
      `the status is ${JSON.stringify(status)}; it must be an integer from 200 to 599`,
    );
  }
  return template;
}

function textOf(value: unknown): string {
  if (value == null) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

class StaticResponseHandler implements Handler {
  readonly #status: CompiledTemplate;
  readonly #statusPlace: Place;
  readonly #reason: string | undefined;
  readonly #headers: CompiledHeaders;
  readonly #entity: readonly CompiledTemplate[];
  readonly #needs: EntityNeeds;

  constructor(config: StaticResponseHandlerConfig, context: CreateContext) {
    const problems: TollgateError[] = [];
    const check = <T>(compile: () => T): T | undefined => {
      try {
        return compile();
      } catch (error) {
        problems.push(...asErrors(error));
        return undefined;
      }
    };
    this.#statusPlace = childPlace(context.place, 'status');
    const status = check(() => compileStatus(config.status ?? 200, context));
    // A reason phrase may hold what a header value may (RFC 9112 §4).
    if (config.reason !== undefined && !isValidHeaderValue(config.reason)) {
      problems.push(
        configError(
          'TG_CONFIG_BAD_VALUE',
          childPlace(context.place, 'reason'),
          'a reason phrase cannot hold control characters or characters past U+00FF',
        ),
      );
    }
    this.#reason = config.reason;
    const headers = check(() =>
      compileHeaders(config.headers, context, childPlace(context.place, 'headers')),
    );
    const entity =
      config.entity === undefined ? [] : Array.isArray(config.entity) ? config.entity : [config.entity];
    const parts = check(() =>
      entity.map((part, i) =>
        context.template(
          part,
          Array.isArray(config.entity)
            ? childPlace(context.place, 'entity', i)
            : childPlace(context.place, 'entity'),
        ),
      ),
    );
    if (status === undefined || headers === undefined || parts === undefined || problems.length > 0)
      throw new ConfigErrors(problems);
    this.#status = status;
    this.#headers = headers;
    this.#entity = parts;
    this.#needs = entityNeeds([...this.#entity, this.#headers.needs]);
  }

  async handle(exchange: Exchange): Promise<Response> {
    await loadEntities(exchange, this.#needs);
    const status = this.#evaluateStatus(exchange);
    const headers = new Headers();
    addHeaders(headers, this.#headers, exchange);
    const body =
      this.#entity.length === 0 ? null : this.#entity.map((t) => textOf(t.evaluate(exchange))).join('');
    if (body !== null) headers.set('Content-Length', String(Buffer.byteLength(body)));
    return new Response({
      status,
      reason: this.#reason,
      headers,
      entity: new Entity(body),
    });
  }

  /** The status the expression gives, or 500 (logged) when it gives no final HTTP status. */
  #evaluateStatus(exchange: Exchange): number {
    const value = this.#status.evaluate(exchange);
    const status = Number(value);
    if (isFinalStatus(status)) return status;
    exchange.log.error(
      {
        code: 'TG_RESPONSE_BAD_STATUS',
        route: (exchange.contexts.router as { route?: string } | undefined)?.route,
        place: formatPlace(this.#statusPlace),
        status: String(value),
      },
      errorCatalogue.TG_RESPONSE_BAD_STATUS.message,
    );
    return 500;
  }
}

export const staticResponseHandlerType = defineType<StaticResponseHandlerConfig, Handler>({
  type: 'StaticResponseHandler',
  aliases: ['org.forgerock.openig.handler.StaticResponseHandler'],
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
