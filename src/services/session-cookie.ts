import { parseDuration } from '../config/duration.js';
import { objectSchema, type JsonSchema } from '../config/schema.js';
import { ConfigErrors, childPlace, configError, type Place } from '../errors/tollgate-error.js';
import type { CreateContext } from '../heap/types.js';
import type { CookieSettings } from '../http/set-cookie.js';

/**
 * The settings the session managers share: their `cookie` object and the configuration
 * expressions their values may be (each evaluated once, when the manager is built).
 */

const booleanSchema: JsonSchema = { type: ['boolean', 'string'] };

export const cookieSchema: JsonSchema = objectSchema({
  name: { type: 'string', minLength: 1 },
  domain: { type: 'string' },
  path: { type: 'string' },
  httpOnly: booleanSchema,
  secure: booleanSchema,
  sameSite: { type: 'string' },
});

export interface CookieConfig {
  name?: string;
  domain?: string;
  path?: string;
  httpOnly?: boolean | string;
  secure?: boolean | string;
  sameSite?: string;
}

function bad(place: Place, detail: string): ConfigErrors {
  return new ConfigErrors([configError('TG_CONFIG_BAD_VALUE', place, detail)]);
}

/** A string setting's value, its expressions evaluated. */
export function configString(context: CreateContext, value: unknown, place: Place): string {
  const evaluated = context.configValue(value, place);
  if (typeof evaluated !== 'string') throw bad(place, 'expected a string');
  return evaluated;
}

/** A boolean setting's value: true/false, or an expression or string that gives one. */
export function configBoolean(
  context: CreateContext,
  value: unknown,
  place: Place,
  fallback: boolean,
): boolean {
  if (value === undefined) return fallback;
  const evaluated = context.configValue(value, place);
  if (evaluated === true || evaluated === 'true') return true;
  if (evaluated === false || evaluated === 'false') return false;
  throw bad(place, 'expected true or false');
}

/** A duration setting's value in milliseconds. */
export function configDuration(
  context: CreateContext,
  value: unknown,
  place: Place,
  fallback: string,
): number {
  const evaluated = value === undefined ? fallback : context.configValue(value, place);
  if (typeof evaluated !== 'string' && typeof evaluated !== 'number') throw bad(place, 'expected a duration');
  return parseDuration(evaluated, place);
}

const SAME_SITE = new Map([
  ['strict', 'Strict'],
  ['lax', 'Lax'],
  ['none', 'None'],
] as const);

// A cookie name is an RFC 6265 token; a value with `;` or a space would end or break the header.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const ATTRIBUTE = /^[\x21-\x3a\x3c-\x7e]*$/;

/** The cookie a session manager sets, from its `cookie` object and PingGateway's defaults. */
export function cookieSettings(
  context: CreateContext,
  config: CookieConfig | undefined,
  place: Place,
  defaultName: string,
): CookieSettings {
  const at = (key: string): Place => childPlace(place, key);
  const name = config?.name === undefined ? defaultName : configString(context, config.name, at('name'));
  if (!TOKEN.test(name)) throw bad(at('name'), `"${name}" cannot name a cookie`);
  const path = config?.path === undefined ? '/' : configString(context, config.path, at('path'));
  const domain =
    config?.domain === undefined ? undefined : configString(context, config.domain, at('domain'));
  for (const [key, value] of [
    ['path', path],
    ['domain', domain],
  ] as const) {
    if (value !== undefined && !ATTRIBUTE.test(value))
      throw bad(at(key), `"${value}" cannot be a cookie ${key}`);
  }
  let sameSite: CookieSettings['sameSite'];
  if (config?.sameSite !== undefined) {
    const text = configString(context, config.sameSite, at('sameSite'));
    sameSite = SAME_SITE.get(text.toLowerCase() as 'strict');
    if (sameSite === undefined) throw bad(at('sameSite'), `sameSite is STRICT, LAX or NONE, not "${text}"`);
  }
  return Object.freeze({
    name,
    path,
    domain: domain === '' ? undefined : domain,
    httpOnly: configBoolean(context, config?.httpOnly, at('httpOnly'), true),
    secure: configBoolean(context, config?.secure, at('secure'), false),
    sameSite,
  });
}
