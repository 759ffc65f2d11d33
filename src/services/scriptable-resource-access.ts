import jsonata from 'jsonata';
import { objectSchema } from '../config/schema.js';
import {
  childPlace,
  ConfigErrors,
  configError,
  type Place,
  TollgateError,
} from '../errors/tollgate-error.js';
import { defineType } from '../heap/types.js';
import { plainData } from './plain-data.js';
import {
  CompiledScript,
  GROOVY_MEDIA_TYPE,
  JAVASCRIPT_MEDIA_TYPE,
  readScriptSource,
  scriptConfigProperties,
  type ScriptConfig,
} from './script.js';
import type { Exchange } from '../http/exchange.js';

/** PingGateway's ResourceAccess: the scopes the current request needs. */
export interface ResourceAccess {
  scopes(exchange: Exchange): Promise<readonly string[]>;
}

export const JSONATA_MEDIA_TYPE = 'application/x-jsonata';

/**
 * Limits on one evaluation. JSONata checks them between evaluation steps, so a runaway loop or
 * recursion stops; a single built-in call over a huge value is not interrupted, but the input
 * is a request's method, path, headers and query, already bounded by the server.
 */
export const EVALUATION_LIMITS = Object.freeze({ timeoutMs: 100, stackDepth: 100 });

/**
 * What the expression reads: `request`, `contexts` and `args` (see docs/token-exchange.md,
 * "ScriptableResourceAccess").
 */
function scriptInput(exchange: Exchange, args: unknown): Record<string, unknown> {
  const { request } = exchange;
  const headers: Record<string, string[]> = Object.create(null);
  // Lower-case names: HTTP header names are case-insensitive, JSONata field names are not.
  for (const [name, values] of request.headers.entries()) {
    (headers[name.toLowerCase()] ??= []).push(...values);
  }
  return Object.assign(Object.create(null) as Record<string, unknown>, {
    request: Object.assign(Object.create(null) as Record<string, unknown>, {
      method: request.method,
      path: request.uri.path,
      headers,
      query: plainData(request.queryParams),
    }),
    contexts: plainData(exchange.contexts),
    args,
  });
}

function failed(detail: string, cause?: unknown): TollgateError {
  return new TollgateError('TG_RESOURCE_ACCESS_FAILED', detail, { cause });
}

/**
 * The scopes an evaluation gave: a string or a list of strings. No result at all (a path that
 * matched nothing) is an error rather than "no scopes": a misspelt field would otherwise send no
 * scope and let the authorization server grant its defaults. An expression that means "no scopes"
 * returns `[]`.
 */
function toScopes(result: unknown): readonly string[] {
  if (typeof result === 'string') return Object.freeze([result]);
  if (Array.isArray(result) && result.every((item) => typeof item === 'string')) {
    return Object.freeze([...(result as string[])]);
  }
  const what =
    result === undefined
      ? 'no result'
      : Array.isArray(result)
        ? 'a list with non-strings'
        : `a ${typeof result}`;
  throw failed(`the expression gave ${what}, not a string or a list of strings`);
}

/** Freezes a plainData copy all the way down: `args` is shared by every evaluation. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const item of Object.values(value)) deepFreeze(item);
    Object.freeze(value);
  }
  return value;
}

/** A JavaScript script's scopes, run in QuickJS as the scriptable filters are. */
class ScriptedResourceAccess implements ResourceAccess {
  readonly #script: CompiledScript;

  constructor(script: CompiledScript) {
    this.#script = script;
  }

  async scopes(exchange: Exchange): Promise<readonly string[]> {
    let result: unknown;
    try {
      result = await this.#script.evaluateValue(exchange);
    } catch (error) {
      const coded = error instanceof TollgateError ? error : undefined;
      throw failed(coded ? `${coded.code}: ${coded.detail ?? coded.message}` : 'the script could not run');
    }
    return toScopes(result === null ? undefined : result);
  }
}

class ScriptableResourceAccess implements ResourceAccess {
  readonly #expression: jsonata.Expression;
  readonly #args: unknown;

  constructor(expression: jsonata.Expression, args: unknown) {
    this.#expression = expression;
    this.#args = args;
  }

  async scopes(exchange: Exchange): Promise<readonly string[]> {
    let result: unknown;
    try {
      result = await this.#expression.evaluate(scriptInput(exchange, this.#args));
    } catch (error) {
      // JSONata errors are plain objects with a code and a message that quotes the expression's
      // own tokens, never the input.
      const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
      throw failed(`JSONata ${String(code ?? 'error')}: ${String(message ?? '')}`.trim());
    }
    return toScopes(result);
  }
}

type ScriptableResourceAccessConfig = ScriptConfig;

function compile(text: string, place: Place): jsonata.Expression {
  try {
    return jsonata(text, { timeout: EVALUATION_LIMITS.timeoutMs, stack: EVALUATION_LIMITS.stackDepth });
  } catch (error) {
    const { message, position } = (error ?? {}) as { message?: unknown; position?: unknown };
    throw new ConfigErrors([
      configError(
        'TG_CONFIG_BAD_EXPRESSION',
        place,
        `JSONata: ${String(message ?? error)}${typeof position === 'number' ? ` (at character ${position})` : ''}`,
      ),
    ]);
  }
}

export const scriptableResourceAccessType = defineType<ScriptableResourceAccessConfig, ResourceAccess>({
  type: 'ScriptableResourceAccess',
  kind: 'ResourceAccess',
  description:
    'Gives the scopes a request needs from a JavaScript script (QuickJS, with CPU-time and memory limits) or a JSONata expression over the request, the contexts and args.',
  schema: objectSchema(scriptConfigProperties, ['type']),
  create: (config, context) => {
    // Groovy is refused by CompiledScript with its own code, as for the other scriptable types.
    if (config.type === JAVASCRIPT_MEDIA_TYPE || config.type === GROOVY_MEDIA_TYPE) {
      return new ScriptedResourceAccess(new CompiledScript(config, context, 'resourceAccess'));
    }
    if (config.type !== JSONATA_MEDIA_TYPE) {
      throw new ConfigErrors([
        configError(
          'TG_CONFIG_BAD_VALUE',
          childPlace(context.place, 'type'),
          `the type must be "${JAVASCRIPT_MEDIA_TYPE}" or "${JSONATA_MEDIA_TYPE}", not "${config.type}"`,
        ),
      ]);
    }
    for (const key of ['limits', 'clientHandler'] as const) {
      if (config[key] !== undefined) {
        throw new ConfigErrors([
          configError(
            'TG_CONFIG_BAD_VALUE',
            childPlace(context.place, key),
            `${key} is for JavaScript scripts; a JSONata expression has its own limits`,
          ),
        ]);
      }
    }
    const { text, place } = readScriptSource(config, context, context.gateway.configDirectory);
    return new ScriptableResourceAccess(compile(text, place), deepFreeze(plainData(config.args ?? {})));
  },
});
