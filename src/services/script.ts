import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { Script as SyntaxCheck } from 'node:vm';
import type { QuickJSWASMModule } from 'quickjs-emscripten-core';
import type { JsonSchema } from '../config/schema.js';
import {
  childPlace,
  ConfigErrors,
  configError,
  formatPlace,
  TollgateError,
  type Place,
} from '../errors/tollgate-error.js';
import type { CreateContext } from '../heap/types.js';
import { Entity } from '../http/entity.js';
import type { Exchange } from '../http/exchange.js';
import { Headers, isValidHeaderName, isValidHeaderValue, isValidMethod } from '../http/headers.js';
import { Response } from '../http/message.js';
import { RequestUri } from '../http/uri.js';
import { redactText } from '../observability/redact.js';
import { DEFAULT_SCRIPT_LIMITS, loadQuickJs, ScriptCall, type ScriptLimits } from './script-sandbox.js';
import { plainData } from './scriptable-resource-access.js';

export const JAVASCRIPT_MEDIA_TYPE = 'application/javascript';
export const GROOVY_MEDIA_TYPE = 'application/x-groovy';

export interface ScriptConfig {
  type: string;
  source?: string | string[];
  file?: string;
  args?: Record<string, unknown>;
  limits?: { timeMs?: number; memoryBytes?: number };
}

/** The keys ScriptableFilter and ScriptableHandler share (PingGateway's Scripts page, plus `limits`). */
export const scriptConfigProperties: Record<string, JsonSchema> = {
  type: { type: 'string' },
  source: { type: ['string', 'array'], items: { type: 'string' } },
  file: { type: 'string' },
  args: { type: 'object' },
  limits: {
    type: 'object',
    additionalProperties: false,
    properties: {
      timeMs: { type: 'integer', minimum: 1, maximum: 10000 },
      memoryBytes: { type: 'integer', minimum: 1048576, maximum: 1073741824 },
    },
  },
};

/** The names a script sees; an `args` key may not hide one. */
const BINDINGS = new Set([
  'request',
  'response',
  'context',
  'contexts',
  'attributes',
  'session',
  'next',
  'globals',
  'logger',
  'args',
]);

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/**
 * Runs on line 1, before the script's first line, so that the line numbers in a script's errors
 * are its own. The script is the body of a function, as a Groovy script's body is, so `return`
 * gives its answer.
 */
function prelude(argNames: readonly string[], withNext: boolean): string {
  const logger = ['debug', 'info', 'warn', 'error']
    .map((level) => `${level}: function (m) { __log('${level}', String(m)); }`)
    .join(', ');
  const next = withNext
    ? "var __NEXT = {}, __then = null; function next(then) { if (then !== undefined && typeof then !== 'function') throw new TypeError('next takes a function or nothing'); __then = then === undefined ? null : then; return __NEXT; }"
    : '';
  const args = argNames.map((name) => `var ${name} = __in.args[${JSON.stringify(name)}];`).join(' ');
  return [
    'var __in = JSON.parse(__input), request = __in.request, context = __in.contexts, contexts = __in.contexts,',
    'attributes = __in.attributes, globals = __in.globals, session = __in.session, args = __in.args;',
    `var logger = Object.freeze({ ${logger} });`,
    next,
    args,
    'var __result = (function () { ',
  ].join(' ');
}

const EPILOGUE = (withNext: boolean): string =>
  [
    '\n})();',
    `JSON.stringify({ result: ${withNext ? '__result === __NEXT ? { next: true, then: __then !== null } : ' : ''}(__result === undefined ? null : __result),`,
    'request: request, attributes: attributes, globals: globals, session: session });',
  ].join(' ');

/** The second phase of a filter script: the function given to `next`, called with the response. */
const RESPONSE_PHASE = [
  'var __response = JSON.parse(__input).response; __result = __then(__response);',
  'JSON.stringify({ result: __result === undefined ? __response : __result,',
  'attributes: attributes, globals: globals, session: session });',
].join(' ');

/** What one phase of a script gives back, as JSON. */
interface PhaseOutput {
  result: unknown;
  request?: unknown;
  attributes?: unknown;
  globals?: unknown;
  session?: unknown;
}

function readSource(config: ScriptConfig, context: CreateContext): string {
  const { place } = context;
  if ((config.source === undefined) === (config.file === undefined)) {
    throw new ConfigErrors([
      configError(
        'TG_CONFIG_MISSING_PROPERTY',
        childPlace(place, 'source'),
        'give exactly one of "source" and "file"',
      ),
    ]);
  }
  if (config.source !== undefined) {
    return Array.isArray(config.source) ? config.source.join('\n') : config.source;
  }
  const filePlace = childPlace(place, 'file');
  const name = context.configValue(config.file, filePlace);
  if (typeof name !== 'string' || name === '') {
    throw new ConfigErrors([configError('TG_CONFIG_BAD_VALUE', filePlace, 'expected a file name')]);
  }
  // PingGateway resolves a relative script file in the instance's scripts/groovy directory; a
  // JavaScript one is in scripts/js beside it.
  const path = isAbsolute(name) ? name : resolve(context.gateway.configDirectory, 'scripts', 'js', name);
  try {
    // Read while the route is built, as PingGateway reads its script files: a missing file or a
    // syntax error fails the route at load, not on the first request.
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigErrors([configError('TG_CONFIG_READ', filePlace, `cannot read ${path}`, error)]);
  }
}

function checkType(config: ScriptConfig, context: CreateContext): void {
  const place = childPlace(context.place, 'type');
  const type = context.configValue(config.type, place);
  if (type === GROOVY_MEDIA_TYPE) {
    throw new ConfigErrors([
      configError(
        'TG_CONFIG_GROOVY_UNSUPPORTED',
        place,
        'Groovy scripts cannot run on Node; rewrite the script in JavaScript ("application/javascript"): docs/scripts.md shows the common samples',
      ),
    ]);
  }
  if (type !== JAVASCRIPT_MEDIA_TYPE) {
    throw new ConfigErrors([
      configError('TG_CONFIG_BAD_VALUE', place, `the script type must be "${JAVASCRIPT_MEDIA_TYPE}"`),
    ]);
  }
}

function checkArgs(args: Record<string, unknown> | undefined, place: Place): string[] {
  const names = Object.keys(args ?? {});
  const problems = names.flatMap((name) =>
    IDENTIFIER.test(name) && !BINDINGS.has(name) && !name.startsWith('__')
      ? []
      : [
          configError(
            'TG_CONFIG_BAD_VALUE',
            childPlace(place, 'args', name),
            BINDINGS.has(name)
              ? `the argument "${name}" would hide the script binding of that name`
              : `the argument "${name}" is not a JavaScript variable name`,
          ),
        ],
  );
  if (problems.length > 0) throw new ConfigErrors(problems);
  return names;
}

/** A status a response object may carry: a final one. */
function isFinalStatus(status: unknown): status is number {
  return typeof status === 'number' && Number.isInteger(status) && status >= 200 && status <= 599;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function failed(detail: string): TollgateError {
  return new TollgateError('TG_SCRIPT_FAILED', detail);
}

/** A `{name: value | [values]}` map from a script, checked as HTTP fields. */
function toHeaders(value: unknown, what: string): Headers {
  if (value === undefined || value === null) return new Headers();
  if (!isRecord(value)) throw failed(`${what} headers are not an object`);
  const headers = new Headers();
  for (const [name, values] of Object.entries(value)) {
    if (!isValidHeaderName(name)) throw failed(`${what} header name ${JSON.stringify(name)} is not valid`);
    for (const item of Array.isArray(values) ? (values as unknown[]) : [values]) {
      const text = typeof item === 'string' ? item : String(item);
      if (!isValidHeaderValue(text)) throw failed(`${what} header ${name} has a value a header cannot carry`);
      headers.add(name, text);
    }
  }
  return headers;
}

function entityText(entity: unknown, headers: Headers): string | null {
  if (entity === undefined || entity === null) return null;
  if (typeof entity === 'string') return entity;
  if (!headers.has('Content-Type')) headers.set('Content-Type', 'application/json; charset=utf-8');
  return JSON.stringify(entity);
}

/** The response object a script returned, as a Response. */
function toResponse(value: unknown): Response {
  if (!isRecord(value) || !isFinalStatus(value.status)) {
    throw failed('the script returned no response: an object with a status from 200 to 599');
  }
  const headers = toHeaders(value.headers, 'a response');
  const body = entityText(value.entity, headers);
  if (body === null) headers.delete('Content-Length');
  else headers.set('Content-Length', String(Buffer.byteLength(body)));
  const reason =
    typeof value.reason === 'string' && isValidHeaderValue(value.reason) ? value.reason : undefined;
  return new Response({ status: value.status, reason, headers, entity: new Entity(body) });
}

function headerMap(headers: Headers): Record<string, string[]> {
  const map: Record<string, string[]> = {};
  // Lower-case names: HTTP header names are case-insensitive, JavaScript property names are not.
  for (const [name, values] of headers.entries()) (map[name.toLowerCase()] ??= []).push(...values);
  return map;
}

/** The credentials a request carries, so a script's error or log line that repeats them is redacted. */
function credentialsOf(exchange: Exchange): string[] {
  const values = [
    ...(exchange.request.headers.get('Authorization') ?? []),
    ...(exchange.request.headers.get('Cookie') ?? []),
  ];
  return values.flatMap((value) => [value, ...value.split(/[\s;,=]+/).filter((part) => part.length >= 8)]);
}

/** A compiled JavaScript script and what it keeps between calls (`globals`). */
export class CompiledScript {
  readonly #name: string;
  readonly #place: string;
  readonly #limits: ScriptLimits;
  readonly #code: string;
  readonly #readsEntity: boolean;
  readonly #readsSession: boolean;
  readonly #args: unknown;
  readonly #withNext: boolean;
  #quickJs: QuickJSWASMModule | undefined;
  /** PingGateway's `globals`: one map per scriptable object, kept between calls as JSON values. */
  #globals: unknown = {};

  constructor(config: ScriptConfig, context: CreateContext, withNext: boolean) {
    checkType(config, context);
    const argNames = checkArgs(config.args, context.place);
    const source = readSource(config, context);
    const sourcePlace = childPlace(context.place, config.file === undefined ? 'source' : 'file');
    this.#code = prelude(argNames, withNext) + source + EPILOGUE(withNext);
    try {
      // Parsed by V8 only, never run: a syntax error fails the load, with the script's own line.
      new SyntaxCheck(`(function () {${source}\n})`, { filename: 'script' });
    } catch (error) {
      throw new ConfigErrors([
        configError('TG_CONFIG_BAD_EXPRESSION', sourcePlace, `JavaScript: ${(error as Error).message}`),
      ]);
    }
    this.#name = context.name;
    this.#place = formatPlace(sourcePlace);
    this.#limits = { ...DEFAULT_SCRIPT_LIMITS, ...config.limits };
    // A script that never names `entity` does not make the gateway buffer bodies for it.
    this.#readsEntity = /\bentity\b/.test(source);
    // Nor load a session (a store read, a cookie opened) that it never names.
    this.#readsSession = /\bsession\b/.test(source);
    this.#args = plainData(config.args ?? {});
    this.#withNext = withNext;
    context.onStart(async () => {
      this.#quickJs = await loadQuickJs();
    });
  }

  /**
   * Runs the script for one request. A handler script's answer is a Response; a filter script's is
   * a Response or, when it returned `next(…)`, the response of `next` (passed through the function
   * given to `next`, if any). Any failure is logged with its code and answered with a 500.
   */
  async run(exchange: Exchange, next?: (exchange: Exchange) => Promise<Response>): Promise<Response> {
    if (this.#quickJs === undefined)
      throw new TollgateError('TG_SCRIPT_FAILED', 'the script engine is not started');
    if (this.#readsEntity)
      await exchange.request.entity.load(exchange.maxEntityBytes, 'TG_REQUEST_ENTITY_TOO_LARGE');
    const credentials = credentialsOf(exchange);
    const call = new ScriptCall(this.#quickJs, this.#limits, this.#name, {
      __log: (level, message) => this.#log(exchange, level, redactText(message, credentials)),
    });
    try {
      const first = this.#guard(exchange, credentials, () => {
        const snapshot = this.#snapshot(exchange);
        const output = JSON.parse(call.evaluate(this.#code, JSON.stringify(snapshot))) as PhaseOutput;
        this.#writeBack(exchange, snapshot, output);
        const result = output.result;
        if (!(this.#withNext && next && isRecord(result) && result.next === true)) return toResponse(result);
        this.#applyRequest(exchange, output.request);
        return { then: result.then === true };
      });
      if (first instanceof Response || next === undefined) return first as Response;
      // The interpreter is only kept across the downstream call when the script asked for the response.
      if (!first.then) call.dispose();
      const response = await next(exchange);
      if (!first.then) return response;
      exchange.response = response;
      if (this.#readsEntity)
        await response.entity.load(exchange.maxEntityBytes, 'TG_UPSTREAM_RESPONSE_TOO_LARGE');
      return this.#guard(exchange, credentials, () => {
        const phaseInput = this.#snapshot(exchange);
        const responseInput = {
          status: response.status,
          reason: response.reason ?? null,
          headers: headerMap(response.headers),
          entity: this.#readsEntity ? response.entity.string : null,
        };
        const phase = JSON.parse(
          call.evaluate(RESPONSE_PHASE, JSON.stringify({ response: responseInput })),
        ) as PhaseOutput;
        this.#writeBack(exchange, phaseInput, phase);
        return this.#answer(response, phase.result);
      });
    } finally {
      call.dispose();
    }
  }

  /** Runs one step of the script; a failure of the script is logged and answered with a 500. */
  #guard<T>(exchange: Exchange, credentials: readonly string[], step: () => T): T | Response {
    try {
      return step();
    } catch (error) {
      return this.#failure(exchange, error, credentials);
    }
  }

  /**
   * The response the second phase gave. When the script does not read bodies and sets no entity,
   * the upstream body goes on as it came, streamed.
   */
  #answer(original: Response, result: unknown): Response {
    const response = toResponse(result);
    if (this.#readsEntity || !isRecord(result) || (result.entity ?? null) !== null) return response;
    const length = original.headers.get('Content-Length');
    if (length) response.headers.set('Content-Length', length);
    return new Response({
      status: response.status,
      reason: response.reason,
      headers: response.headers,
      entity: original.entity,
    });
  }

  #snapshot(exchange: Exchange): {
    request: unknown;
    contexts: unknown;
    attributes: unknown;
    globals: unknown;
    session: unknown;
    args: unknown;
  } {
    const { request } = exchange;
    const uri = request.uri;
    return {
      request: {
        method: request.method,
        uri: uri.toString(),
        uriParts: { scheme: uri.scheme, host: uri.host, port: uri.port, path: uri.path, query: uri.query },
        headers: headerMap(request.headers),
        entity: this.#readsEntity ? request.entity.string : null,
      },
      contexts: plainData(exchange.contexts),
      attributes: plainData(exchange.attributes) ?? {},
      globals: this.#globals,
      session: this.#readsSession && exchange.session ? (plainData(exchange.session.toRecord()) ?? {}) : null,
      args: this.#args,
    };
  }

  /** Writes back what the script changed in `attributes`, `session` and `globals`. */
  #writeBack(
    exchange: Exchange,
    before: { attributes: unknown; session: unknown },
    output: PhaseOutput,
  ): void {
    if (isRecord(output.globals)) this.#globals = output.globals;
    if (isRecord(output.attributes)) {
      const attributes = exchange.attributes;
      for (const key of Object.keys(before.attributes as object)) {
        if (!(key in output.attributes)) delete attributes[key];
      }
      Object.assign(attributes, output.attributes);
    }
    const session = exchange.session;
    if (session && isRecord(output.session) && isRecord(before.session)) {
      for (const key of Object.keys(before.session)) {
        if (!(key in output.session)) session.delete(key);
      }
      for (const [key, value] of Object.entries(output.session)) {
        if (JSON.stringify(value) !== JSON.stringify(before.session[key])) session.set(key, value);
      }
    }
  }

  /** The request a filter script passes on: its method, URI, headers and entity as the script left them. */
  #applyRequest(exchange: Exchange, value: unknown): void {
    if (!isRecord(value)) throw failed('the script replaced `request` with something that is not an object');
    const request = exchange.request;
    if (typeof value.method !== 'string' || !isValidMethod(value.method)) {
      throw failed('request.method is not an HTTP method');
    }
    request.method = value.method;
    if (value.uri !== request.uri.toString()) {
      let uri: RequestUri;
      try {
        uri = RequestUri.parse(String(value.uri));
      } catch {
        throw failed('request.uri is not an absolute URI');
      }
      request.uri = uri;
    }
    const headers = toHeaders(value.headers, 'a request');
    request.headers.deleteWhere(() => true);
    for (const [name, values] of headers.entries()) request.headers.set(name, values);
    if (this.#readsEntity && value.entity !== (request.entity.string ?? null)) {
      const body = entityText(value.entity, request.headers);
      request.entity.set(body);
      if (body === null) request.headers.delete('Content-Length');
      else request.headers.set('Content-Length', String(Buffer.byteLength(body)));
    }
  }

  #log(exchange: Exchange, level: string, message: string): void {
    const fields = { script: this.#name, place: this.#place };
    if (level === 'error') exchange.log.error(fields, message);
    else if (level === 'warn') exchange.log.warn(fields, message);
    else if (level === 'debug') exchange.log.debug(fields, message);
    else exchange.log.info(fields, message);
  }

  #failure(exchange: Exchange, error: unknown, credentials: readonly string[]): Response {
    const coded = error instanceof TollgateError ? error : failed('the script could not run');
    exchange.log.error(
      { code: coded.code, script: this.#name, place: this.#place },
      redactText(coded.message, credentials),
    );
    return new Response({ status: 500, headers: new Headers(), entity: new Entity(null) });
  }
}
