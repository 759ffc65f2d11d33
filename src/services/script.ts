import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { Script as SyntaxCheck } from 'node:vm';
import type { QuickJSWASMModule } from 'quickjs-emscripten-core';
import { referenceSchema, type JsonSchema } from '../config/schema.js';
import {
  childPlace,
  ConfigErrors,
  configError,
  formatPlace,
  TollgateError,
  type Place,
} from '../errors/tollgate-error.js';
import type { CreateContext, Handler } from '../heap/types.js';
import { Entity } from '../http/entity.js';
import type { Exchange } from '../http/exchange.js';
import { Headers, isValidHeaderName, isValidHeaderValue, isValidMethod } from '../http/headers.js';
import { Request, Response } from '../http/message.js';
import { RequestUri } from '../http/uri.js';
import { redactText } from '../observability/redact.js';
import {
  DEFAULT_SCRIPT_LIMITS,
  loadQuickJs,
  ScriptCall,
  type AsyncHostFunction,
  type ScriptLimits,
} from './script-sandbox.js';
import { plainData } from './plain-data.js';

export const JAVASCRIPT_MEDIA_TYPE = 'application/javascript';
export const GROOVY_MEDIA_TYPE = 'application/x-groovy';

export interface ScriptConfig {
  type: string;
  source?: string | string[];
  file?: string;
  args?: Record<string, unknown>;
  clientHandler?: unknown;
  limits?: { timeMs?: number; memoryBytes?: number; waitMs?: number };
}

/**
 * The keys the scriptable types share (PingGateway's Scripts page, plus `limits`): ScriptableFilter,
 * ScriptableHandler and ScriptableAccessTokenResolver.
 */
export const scriptConfigProperties: Record<string, JsonSchema> = {
  type: { type: 'string' },
  source: { type: ['string', 'array'], items: { type: 'string' } },
  file: { type: 'string' },
  args: { type: 'object' },
  clientHandler: referenceSchema,
  limits: {
    type: 'object',
    additionalProperties: false,
    properties: {
      timeMs: { type: 'integer', minimum: 1, maximum: 10000 },
      memoryBytes: { type: 'integer', minimum: 1048576, maximum: 1073741824 },
      waitMs: { type: 'integer', minimum: 1, maximum: 60000 },
    },
  },
};

/**
 * What runs a script: a filter (which has `next`), a handler, an access token resolver (which
 * has `token` and neither `request` nor `session`), or a ResourceAccess (which has `request` and
 * no `session`, and returns scopes).
 */
export type ScriptKind = 'filter' | 'handler' | 'accessTokenResolver' | 'resourceAccess';

/** The names a script of each kind sees; an `args` key may not hide one. */
const COMMON_BINDINGS = ['context', 'contexts', 'attributes', 'globals', 'logger', 'http', 'args'];
const BINDINGS: Readonly<Record<ScriptKind, ReadonlySet<string>>> = {
  filter: new Set([...COMMON_BINDINGS, 'request', 'response', 'session', 'next']),
  handler: new Set([...COMMON_BINDINGS, 'request', 'response', 'session', 'next']),
  accessTokenResolver: new Set([...COMMON_BINDINGS, 'token']),
  resourceAccess: new Set([...COMMON_BINDINGS, 'request']),
};

/** The values a phase of each kind gives back, beside its result. */
const WRITTEN_BACK: Readonly<Record<ScriptKind, readonly string[]>> = {
  filter: ['request', 'attributes', 'globals', 'session'],
  handler: ['request', 'attributes', 'globals', 'session'],
  accessTokenResolver: ['attributes', 'globals'],
  resourceAccess: ['attributes', 'globals'],
};

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/**
 * A script that names `http` (not in an `http://` URI), `await` or `Promise` may wait: its body is
 * an async function and its answer is settled before it is read. Any other script runs as before,
 * in one synchronous evaluation.
 */
const WAITS = /\bhttp\b(?!:\/\/)|\bawait\b|\bPromise\b/;

/** How many http.send calls one script call may make. */
export const MAX_HTTP_SENDS = 8;

interface CodeShape {
  readonly kind: ScriptKind;
  readonly waits: boolean;
  readonly argNames: readonly string[];
}

/**
 * Runs on line 1, before the script's first line, so that the line numbers in a script's errors
 * are its own. The script is the body of a function, as a Groovy script's body is, so `return`
 * gives its answer; an async function when the script waits.
 */
function prelude({ kind, waits, argNames }: CodeShape): string {
  const logger = ['debug', 'info', 'warn', 'error']
    .map((level) => `${level}: function (m) { __log('${level}', String(m)); }`)
    .join(', ');
  const next =
    kind === 'filter'
      ? "var __NEXT = {}, __then = null; function next(then) { if (then !== undefined && typeof then !== 'function') throw new TypeError('next takes a function or nothing'); __then = then === undefined ? null : then; return __NEXT; }"
      : '';
  // The script's own Promise and JSON may be replaced by the script; these are the engine's.
  const http = waits
    ? [
        'var __Promise = Promise, __parse = JSON.parse, __stringify = JSON.stringify;',
        'var http = Object.freeze({ send: function (request) { try {',
        'return __send(__stringify(request === undefined ? null : request)).then(__parse);',
        '} catch (e) { return __Promise.reject(e); } } });',
      ].join(' ')
    : '';
  const exchange =
    kind === 'accessTokenResolver'
      ? 'token = __in.token,'
      : kind === 'resourceAccess'
        ? 'request = __in.request,'
        : 'request = __in.request, session = __in.session,';
  const args = argNames.map((name) => `var ${name} = __in.args[${JSON.stringify(name)}];`).join(' ');
  return [
    `var __in = JSON.parse(__input), ${exchange} context = __in.contexts, contexts = __in.contexts,`,
    'attributes = __in.attributes, globals = __in.globals, args = __in.args;',
    `var logger = Object.freeze({ ${logger} });`,
    next,
    http,
    args,
    `var __result = (${waits ? 'async ' : ''}function () { `,
  ].join(' ');
}

/** `{ result: <result>, attributes: attributes, … }` as JSON: a phase's answer and `fields`. */
function outputJson(fields: readonly string[], result: string): string {
  return `JSON.stringify({ result: ${result}, ${fields.map((name) => `${name}: ${name}`).join(', ')} })`;
}

/**
 * Settles `promise`, setting `__settled` once it has, with `__output` the JSON of `result` (an
 * expression of `__value`, what the promise gave) or `__failure` what it threw.
 */
function settling(fields: readonly string[], promise: string, result: string): string {
  return [
    `__settled = false; __output = undefined; __Promise.resolve(${promise})`,
    `.then(function (__value) { __output = ${outputJson(fields, result)}; })`,
    '.then(function () { __settled = true; }, function (e) { __failure = e; __settled = true; });',
  ].join(' ');
}

/** What a first phase's answer is: a response, or (in a filter) the request passed to `next`. */
function firstResult(kind: ScriptKind, value: string): string {
  const answer = `(${value} === undefined ? null : ${value})`;
  return kind === 'filter'
    ? `${value} === __NEXT ? { next: true, then: __then !== null } : ${answer}`
    : answer;
}

function epilogue({ kind, waits }: CodeShape): string {
  const fields = WRITTEN_BACK[kind];
  if (!waits) return `\n})(); ${outputJson(fields, firstResult(kind, '__result'))};`;
  return `\n})(); var __settled, __output, __failure; ${settling(fields, '__result', firstResult(kind, '__value'))}`;
}

/** What the second phase of a filter script gives back: the request has gone. */
const RESPONSE_FIELDS = ['attributes', 'globals', 'session'];

/** The second phase of a filter script: the function given to `next`, called with the response. */
function responsePhase(waits: boolean): string {
  const read = 'var __response = JSON.parse(__input).response;';
  if (waits) {
    const settled = settling(
      RESPONSE_FIELDS,
      '__Promise.resolve(__response).then(__then)',
      '__value === undefined ? __response : __value',
    );
    return `${read} ${settled}`;
  }
  const result = '__result === undefined ? __response : __result';
  return `${read} __result = __then(__response); ${outputJson(RESPONSE_FIELDS, result)};`;
}

/** What one phase of a script gives back, as JSON. */
interface PhaseOutput {
  result: unknown;
  request?: unknown;
  attributes?: unknown;
  globals?: unknown;
  session?: unknown;
}

/**
 * The text of a script (or a JSONata expression): its `source`, or its `file` (a relative name is
 * in `directory`), with the place of whichever key gave it. Read while the route is built, as
 * PingGateway reads its script files: a missing file or a syntax error fails the route at load,
 * not on the first request.
 */
export function readScriptSource(
  config: Pick<ScriptConfig, 'source' | 'file'>,
  context: CreateContext,
  directory: string,
): { text: string; place: Place } {
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
    const text = Array.isArray(config.source) ? config.source.join('\n') : config.source;
    return { text, place: childPlace(place, 'source') };
  }
  const filePlace = childPlace(place, 'file');
  const name = context.configValue(config.file, filePlace);
  if (typeof name !== 'string' || name === '') {
    throw new ConfigErrors([configError('TG_CONFIG_BAD_VALUE', filePlace, 'expected a file name')]);
  }
  const path = isAbsolute(name) ? name : resolve(directory, name);
  try {
    return { text: readFileSync(path, 'utf8'), place: filePlace };
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

function checkArgs(args: Record<string, unknown> | undefined, place: Place, kind: ScriptKind): string[] {
  const names = Object.keys(args ?? {});
  const bindings = BINDINGS[kind];
  const problems = names.flatMap((name) =>
    IDENTIFIER.test(name) && !bindings.has(name) && !name.startsWith('__')
      ? []
      : [
          configError(
            'TG_CONFIG_BAD_VALUE',
            childPlace(place, 'args', name),
            bindings.has(name)
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

/** The URI of an outbound request as errors name it: no user information, no query. */
function safeUri(uri: RequestUri): string {
  const host = uri.host.includes(':') ? `[${uri.host}]` : uri.host;
  return `${uri.scheme}://${host}${uri.port >= 0 ? `:${uri.port}` : ''}${uri.rawPath}`;
}

/** The request a script gave http.send, checked; a problem is a TypeError the script sees. */
function outboundRequest(value: unknown): Request {
  if (!isRecord(value))
    throw new TypeError('http.send takes a request object: { method, uri, headers, entity }');
  const method = value.method ?? 'GET';
  if (typeof method !== 'string' || !isValidMethod(method)) {
    throw new TypeError('http.send: the method is not an HTTP method');
  }
  let uri: RequestUri | undefined;
  try {
    uri = typeof value.uri === 'string' ? RequestUri.parse(value.uri) : undefined;
  } catch {
    uri = undefined;
  }
  if (uri === undefined || (uri.scheme !== 'http' && uri.scheme !== 'https')) {
    throw new TypeError('http.send: the uri must be an absolute http or https URI');
  }
  if (uri.rawUserInfo !== null) {
    // Credentials in a URI end up in logs; a script sends them in a header.
    throw new TypeError('http.send: the uri may not carry user information; send an Authorization header');
  }
  let headers: Headers;
  try {
    headers = toHeaders(value.headers, 'an http.send request');
  } catch (error) {
    throw new TypeError(`http.send: ${(error as TollgateError).detail ?? 'bad headers'}`);
  }
  const body = entityText(value.entity, headers);
  return new Request({ method, uri, headers, entity: new Entity(body) });
}

/** An http.send that failed, as the script's promise is rejected with it. */
class SendFailure extends Error {
  readonly code: string;

  constructor(request: Request, error: unknown, maxBytes: number) {
    const code = error instanceof TollgateError ? error.code : 'TG_HANDLER_FAILED';
    const why =
      code === 'TG_UPSTREAM_RESPONSE_TOO_LARGE'
        ? `the response is larger than ${maxBytes} bytes`
        : `failed (${code})`;
    super(`http.send ${request.method} ${safeUri(request.uri)}: ${why}`);
    this.code = code;
  }
}

/**
 * The `http` binding of one script call: each send goes through the script's client handler in a
 * sub-exchange of the request, its answer loaded up to the gateway's entity limit. A send has the
 * client handler's time-outs; the wait of the whole phase is bounded by the script's `waitMs`, and
 * `close` stops the sends still running when the call ends. The client leaving stops the sends of
 * a filter or handler; a resolver's are `detached`, since behind a cache its verdict may serve
 * other requests waiting on the same token.
 */
class ScriptHttp {
  readonly #handler: Handler;
  readonly #exchange: Exchange;
  readonly #detached: boolean;
  readonly #running = new Set<Exchange>();
  #sends = 0;

  constructor(handler: Handler, exchange: Exchange, detached: boolean) {
    this.#handler = handler;
    this.#exchange = exchange;
    this.#detached = detached;
  }

  readonly send: AsyncHostFunction = (input) => {
    if (++this.#sends > MAX_HTTP_SENDS) {
      throw failed(`the script called http.send more than ${MAX_HTTP_SENDS} times in one call`);
    }
    const request = outboundRequest(JSON.parse(input));
    const sub = this.#exchange.subExchange(request, undefined, { detached: this.#detached });
    this.#running.add(sub);
    return this.#answer(sub).finally(() => {
      this.#running.delete(sub);
      sub.end();
    });
  };

  async #answer(sub: Exchange): Promise<string> {
    try {
      const response = await this.#handler.handle(sub);
      await response.entity.load(sub.maxEntityBytes, 'TG_UPSTREAM_RESPONSE_TOO_LARGE');
      return JSON.stringify({
        status: response.status,
        reason: response.reason ?? null,
        headers: headerMap(response.headers),
        entity: response.entity.string ?? '',
      });
    } catch (error) {
      throw new SendFailure(sub.request, error, sub.maxEntityBytes);
    }
  }

  close(): void {
    for (const sub of this.#running) {
      sub.cancellation.cancel(new TollgateError('TG_UPSTREAM_TIMEOUT', 'the script call has ended'));
      sub.end();
    }
    this.#running.clear();
  }
}

/** A phase's input: the bindings as JSON values. */
interface Snapshot {
  request?: unknown;
  session?: unknown;
  token?: string;
  contexts: unknown;
  attributes: unknown;
  globals: unknown;
  args: unknown;
}

/** A compiled JavaScript script and what it keeps between calls (`globals`). */
export class CompiledScript {
  readonly #name: string;
  readonly #place: string;
  readonly #limits: ScriptLimits;
  readonly #kind: ScriptKind;
  readonly #waits: boolean;
  readonly #code: string;
  readonly #readsEntity: boolean;
  readonly #readsSession: boolean;
  readonly #args: unknown;
  /** Where `http.send` goes: the script's clientHandler, resolved only for a script that may send. */
  readonly #clientHandler: Handler | undefined;
  #quickJs: QuickJSWASMModule | undefined;
  /** PingGateway's `globals`: one map per scriptable object, kept between calls as JSON values. */
  #globals: unknown = {};

  constructor(config: ScriptConfig, context: CreateContext, kind: ScriptKind) {
    checkType(config, context);
    const argNames = checkArgs(config.args, context.place, kind);
    // PingGateway resolves a relative script file in the instance's scripts/groovy directory; a
    // JavaScript one is in scripts/js beside it.
    const { text: source, place: sourcePlace } = readScriptSource(
      config,
      context,
      resolve(context.gateway.configDirectory, 'scripts', 'js'),
    );
    const waits = WAITS.test(source);
    const shape: CodeShape = { kind, waits, argNames };
    this.#code = prelude(shape) + source + epilogue(shape);
    try {
      // Parsed by V8 only, never run: a syntax error fails the load, with the script's own line.
      new SyntaxCheck(`(${waits ? 'async ' : ''}function () {${source}\n})`, { filename: 'script' });
    } catch (error) {
      throw new ConfigErrors([
        configError('TG_CONFIG_BAD_EXPRESSION', sourcePlace, `JavaScript: ${(error as Error).message}`),
      ]);
    }
    this.#name = context.name;
    this.#place = formatPlace(sourcePlace);
    this.#limits = { ...DEFAULT_SCRIPT_LIMITS, ...config.limits };
    this.#kind = kind;
    this.#waits = waits;
    const exchangeBound = kind === 'filter' || kind === 'handler';
    // A script that never names `entity` does not make the gateway buffer bodies for it.
    this.#readsEntity = exchangeBound && /\bentity\b/.test(source);
    // Nor load a session (a store read, a cookie opened) that it never names.
    this.#readsSession = exchangeBound && /\bsession\b/.test(source);
    this.#args = plainData(config.args ?? {});
    // PingGateway's `http` is a client of the clientHandler, by default the heap's ClientHandler.
    this.#clientHandler =
      waits || config.clientHandler !== undefined
        ? context.resolve<Handler>(
            config.clientHandler ?? 'ClientHandler',
            'Handler',
            childPlace(context.place, 'clientHandler'),
          )
        : undefined;
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
    if (this.#readsEntity)
      await exchange.request.entity.load(exchange.maxEntityBytes, 'TG_REQUEST_ENTITY_TOO_LARGE');
    const credentials = credentialsOf(exchange);
    const { call, http } = this.#newCall(exchange, credentials);
    try {
      const first = await this.#guard(exchange, credentials, async () => {
        const snapshot = this.#snapshot(exchange);
        const output = await this.#evaluate(call, this.#code, snapshot);
        this.#writeBack(exchange, snapshot, output);
        const result = output.result;
        if (!(this.#kind === 'filter' && next && isRecord(result) && result.next === true)) {
          return toResponse(result);
        }
        this.#applyRequest(exchange, output.request);
        return { then: result.then === true };
      });
      if (first instanceof Response || next === undefined) return first as Response;
      // The interpreter is only kept across the downstream call when the script asked for the response.
      if (!first.then) {
        http?.close();
        call.dispose();
      }
      const response = await next(exchange);
      if (!first.then) return response;
      exchange.response = response;
      if (this.#readsEntity)
        await response.entity.load(exchange.maxEntityBytes, 'TG_UPSTREAM_RESPONSE_TOO_LARGE');
      return await this.#guard(exchange, credentials, async () => {
        const phaseInput = this.#snapshot(exchange);
        const responseInput = {
          status: response.status,
          reason: response.reason ?? null,
          headers: headerMap(response.headers),
          entity: this.#readsEntity ? response.entity.string : null,
        };
        const phase = await this.#evaluate(call, responsePhase(this.#waits), { response: responseInput });
        this.#writeBack(exchange, phaseInput, phase);
        return this.#answer(response, phase.result);
      });
    } finally {
      http?.close();
      call.dispose();
    }
  }

  /**
   * Runs the script of an access token resolver (with `token` bound) or of a ResourceAccess,
   * writes back what it changed in `attributes` and `globals`, and returns what it returned (or
   * its promise gave). A failure rejects with TG_SCRIPT_FAILED or TG_SCRIPT_TIMEOUT, its message
   * naming the script and with the token and the request's credentials redacted.
   */
  async evaluateValue(exchange: Exchange, token?: string): Promise<unknown> {
    const credentials = [...credentialsOf(exchange), ...(token === undefined ? [] : [token])];
    const { call, http } = this.#newCall(exchange, credentials);
    try {
      const snapshot = this.#snapshot(exchange, token);
      const output = await this.#evaluate(call, this.#code, snapshot);
      this.#writeBack(exchange, snapshot, output);
      return output.result;
    } catch (error) {
      const coded = error instanceof TollgateError ? error : failed('the script could not run');
      throw new TollgateError(
        coded.code,
        `script ${this.#name} (${this.#place}): ${redactText(coded.detail ?? coded.message, credentials)}`,
      );
    } finally {
      http?.close();
      call.dispose();
    }
  }

  #newCall(exchange: Exchange, credentials: readonly string[]): { call: ScriptCall; http?: ScriptHttp } {
    if (this.#quickJs === undefined) throw failed('the script engine is not started');
    const http =
      this.#clientHandler && this.#waits
        ? new ScriptHttp(this.#clientHandler, exchange, this.#kind === 'accessTokenResolver')
        : undefined;
    const call = new ScriptCall(
      this.#quickJs,
      this.#limits,
      this.#name,
      { __log: (level, message) => this.#log(exchange, level, redactText(message, credentials)) },
      http ? { __send: http.send } : {},
    );
    return { call, http };
  }

  /** One phase: the code run with `input`, settled when the script may wait, its output read. */
  async #evaluate(call: ScriptCall, code: string, input: unknown): Promise<PhaseOutput> {
    const text = JSON.stringify(input);
    return JSON.parse(this.#waits ? await call.settle(code, text) : call.evaluate(code, text)) as PhaseOutput;
  }

  /** Runs one step of the script; a failure of the script is logged and answered with a 500. */
  async #guard<T>(
    exchange: Exchange,
    credentials: readonly string[],
    step: () => Promise<T>,
  ): Promise<T | Response> {
    try {
      return await step();
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

  #snapshot(exchange: Exchange, token?: string): Snapshot {
    const common = {
      contexts: plainData(exchange.contexts),
      attributes: plainData(exchange.attributes) ?? {},
      globals: this.#globals,
      args: this.#args,
    };
    if (this.#kind === 'accessTokenResolver') return { ...common, token };
    const { request } = exchange;
    const uri = request.uri;
    return {
      ...common,
      request: {
        method: request.method,
        uri: uri.toString(),
        uriParts: { scheme: uri.scheme, host: uri.host, port: uri.port, path: uri.path, query: uri.query },
        headers: headerMap(request.headers),
        entity: this.#readsEntity ? request.entity.string : null,
      },
      session: this.#readsSession && exchange.session ? (plainData(exchange.session.toRecord()) ?? {}) : null,
    };
  }

  /** Writes back what the script changed in `attributes`, `session` and `globals`. */
  #writeBack(
    exchange: Exchange,
    before: { attributes: unknown; session?: unknown },
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
