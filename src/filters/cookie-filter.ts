import { objectSchema } from '../config/schema.js';
import { childPlace, configError, formatPlace, type Place } from '../errors/tollgate-error.js';
import { defineType, type CreateContext, type Filter } from '../heap/types.js';
import type { Exchange } from '../http/exchange.js';

type Action = 'MANAGE' | 'SUPPRESS' | 'RELAY';

interface CookieFilterConfig {
  managed?: string[];
  suppressed?: string[];
  relayed?: string[];
  defaultAction?: string;
}

const ACTIONS: readonly Action[] = ['MANAGE', 'SUPPRESS', 'RELAY'];
const namesSchema = { type: 'array', items: { type: 'string' } };

function names(list: string[] | undefined, context: CreateContext, place: Place): Set<string> {
  return new Set(
    (list ?? []).map((name, i) => String(context.configValue(name, childPlace(place, i))).toLowerCase()),
  );
}

/** The name=value pairs of the request's Cookie headers, in order. */
function requestCookies(exchange: Exchange): [name: string, pair: string][] {
  return (exchange.request.headers.get('Cookie') ?? [])
    .flatMap((header) => header.split(';'))
    .map((pair) => pair.trim())
    .filter((pair) => pair !== '')
    .map((pair) => [pair.split('=', 1)[0]!.trim(), pair]);
}

/** Whether a Set-Cookie header removes its cookie: Max-Age zero or less, or an Expires in the past. */
function removes(setCookie: string): boolean {
  const attributes = setCookie.split(';').slice(1);
  for (const attribute of attributes) {
    const [key = '', value = ''] = attribute.split('=', 2).map((part) => part.trim());
    if (key.toLowerCase() === 'max-age') return Number(value) <= 0;
  }
  for (const attribute of attributes) {
    const [key = '', value = ''] = attribute.split('=', 2).map((part) => part.trim());
    if (key.toLowerCase() === 'expires') return Date.parse(value) <= Date.now();
  }
  return false;
}

export const cookieFilterType = defineType<CookieFilterConfig, Filter>({
  type: 'CookieFilter',
  aliases: ['org.forgerock.openig.filter.CookieFilter'],
  kind: 'Filter',
  description:
    'Manages (keeps in the session and sends on later requests), suppresses or relays cookies by name; defaultAction (MANAGE) for the others.',
  schema: objectSchema({
    managed: namesSchema,
    suppressed: namesSchema,
    relayed: namesSchema,
    defaultAction: { type: 'string' },
  }),
  create: (config, context) => {
    const place = context.place;
    const managed = names(config.managed, context, childPlace(place, 'managed'));
    const suppressed = names(config.suppressed, context, childPlace(place, 'suppressed'));
    const relayed = names(config.relayed, context, childPlace(place, 'relayed'));
    const defaultPlace = childPlace(place, 'defaultAction');
    const defaultAction = String(
      context.configValue(config.defaultAction ?? 'MANAGE', defaultPlace),
    ).toUpperCase();
    if (!ACTIONS.includes(defaultAction as Action))
      throw configError(
        'TG_CONFIG_BAD_VALUE',
        defaultPlace,
        `"${defaultAction}" is not MANAGE, SUPPRESS or RELAY`,
      );
    // PingGateway's precedence when a name is in several lists: managed, then suppressed, then relayed.
    const actionOf = (name: string): Action => {
      const key = name.toLowerCase();
      if (managed.has(key)) return 'MANAGE';
      if (suppressed.has(key)) return 'SUPPRESS';
      if (relayed.has(key)) return 'RELAY';
      return defaultAction as Action;
    };
    // Each CookieFilter keeps its own jar in the session, named after where it is declared.
    const jarKey = `CookieFilter ${formatPlace(place)}`;
    const jarOf = (exchange: Exchange): Record<string, string> => {
      const stored = exchange.session?.get(jarKey);
      return stored !== null && typeof stored === 'object' ? { ...(stored as Record<string, string>) } : {};
    };
    return {
      async filter(exchange, next) {
        const { headers } = exchange.request;
        const relayedPairs = requestCookies(exchange)
          .filter(([name]) => actionOf(name) === 'RELAY')
          .map(([, pair]) => pair);
        const jar = jarOf(exchange);
        const pairs = [...relayedPairs, ...Object.entries(jar).map(([name, value]) => `${name}=${value}`)];
        if (pairs.length > 0) headers.set('Cookie', pairs.join('; '));
        else headers.delete('Cookie');

        const response = await next.handle(exchange);
        exchange.response = response;
        const kept: string[] = [];
        let jarChanged = false;
        for (const setCookie of response.headers.get('Set-Cookie') ?? []) {
          const pair = setCookie.split(';', 1)[0]!;
          const name = pair.split('=', 1)[0]!.trim();
          const action = actionOf(name);
          if (action === 'RELAY') kept.push(setCookie);
          // Without a session there is nowhere to keep a managed cookie, so it is dropped like a suppressed one.
          if (action !== 'MANAGE' || exchange.session === undefined) continue;
          if (removes(setCookie)) delete jar[name];
          else jar[name] = pair.includes('=') ? pair.slice(pair.indexOf('=') + 1).trim() : '';
          jarChanged = true;
        }
        if (kept.length > 0) response.headers.set('Set-Cookie', kept);
        else response.headers.delete('Set-Cookie');
        if (jarChanged) exchange.session?.set(jarKey, Object.keys(jar).length > 0 ? jar : null);
        return response;
      },
    };
  },
});
