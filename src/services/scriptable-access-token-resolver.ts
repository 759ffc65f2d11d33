import { objectSchema } from '../config/schema.js';
import { TollgateError } from '../errors/tollgate-error.js';
import type { Exchange } from '../http/exchange.js';
import { defineType } from '../heap/types.js';
import {
  invalidToken,
  type AccessTokenResolution,
  type AccessTokenResolver,
} from '../oauth2/access-token.js';
import { CompiledScript, scriptConfigProperties, type ScriptConfig } from './script.js';
import { plainData } from './plain-data.js';

/**
 * Below this, an `expiresAt` is taken for seconds, not milliseconds: as milliseconds it would be
 * a date in 1973, as seconds one past the year 5000.
 */
const SECONDS_BOUND = 100_000_000_000;

function unusable(detail: string): TollgateError {
  return new TollgateError('TG_SCRIPT_FAILED', `the script returned ${detail}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** A list of scope strings, or one string of space-separated scopes as RFC 6749 writes them. */
function scopesOf(value: unknown): readonly string[] {
  const items =
    typeof value === 'string'
      ? value.split(' ')
      : Array.isArray(value) && value.every((item) => typeof item === 'string')
        ? (value as string[])
        : undefined;
  if (items === undefined) throw unusable('no "scopes": a list of strings');
  return Object.freeze([...new Set(items.filter((item) => item !== ''))]);
}

/**
 * What a resolver script returned, as the resolver's verdict: null or nothing for a token it does
 * not accept; `{ scopes, expiresAt?, info? }` for one it does (expiresAt in milliseconds since
 * the epoch, as PingGateway's AccessTokenInfo), which is still refused once it has expired.
 * Anything else is the script's failure, never a pass.
 */
export function accessTokenOf(result: unknown, token: string, nowMs: number): AccessTokenResolution {
  if (result === null || result === undefined) return invalidToken('the script did not accept the token');
  if (!isRecord(result))
    throw unusable(`a ${Array.isArray(result) ? 'list' : typeof result}, not an access token object`);
  const scopes = scopesOf(result.scopes);
  const { expiresAt } = result;
  if (expiresAt !== undefined && expiresAt !== null) {
    if (typeof expiresAt !== 'number' || !Number.isFinite(expiresAt)) {
      throw unusable('an "expiresAt" that is not a number of milliseconds');
    }
    if (expiresAt < SECONDS_BOUND) {
      throw unusable('an "expiresAt" in seconds; it is in milliseconds since the epoch (exp * 1000)');
    }
    if (expiresAt <= nowMs) return invalidToken('the token has expired');
  }
  const info = result.info ?? {};
  if (!isRecord(info)) throw unusable('an "info" that is not an object');
  return Object.freeze({
    valid: true,
    token: Object.freeze({
      token,
      scopes,
      expiresAt: typeof expiresAt === 'number' ? expiresAt : null,
      info: Object.freeze({ ...(plainData(info) as Record<string, unknown>) }),
    }),
  });
}

/** PingGateway's ScriptableAccessTokenResolver, with a JavaScript script given `token`. */
class ScriptableAccessTokenResolver implements AccessTokenResolver {
  readonly #script: CompiledScript;

  constructor(script: CompiledScript) {
    this.#script = script;
  }

  async resolve(token: string, exchange: Exchange): Promise<AccessTokenResolution> {
    const result = await this.#script.evaluateValue(exchange, token);
    return accessTokenOf(result, token, Date.now());
  }
}

export const scriptableAccessTokenResolverType = defineType<ScriptConfig, AccessTokenResolver>({
  type: 'ScriptableAccessTokenResolver',
  aliases: ['org.forgerock.openig.filter.oauth2.ScriptableAccessTokenResolver'],
  kind: 'AccessTokenResolver',
  description:
    'Decides whether an access token is valid with a JavaScript script (QuickJS, with CPU-time and memory limits), which may call out with http.send.',
  schema: objectSchema(scriptConfigProperties, ['type']),
  create: (config, context) =>
    new ScriptableAccessTokenResolver(new CompiledScript(config, context, 'accessTokenResolver')),
});
