import { childPlace, ConfigErrors, configError, type Place } from '../errors/tollgate-error.js';
import type { Exchange } from '../http/exchange.js';
import type { Response } from '../http/message.js';
import type { CreateContext, Decorator, Filter, Handler, Kind } from './types.js';

/** One decoration written on an object or a file: the key (a decorator's name) and its value. */
export interface Decoration {
  readonly name: string;
  readonly value: unknown;
  readonly place: Place;
}

/** A decoration with the decorator its name resolved to. */
export interface ResolvedDecoration extends Decoration {
  readonly decorator: Decorator;
}

/** Keys that are notes, not decorations: PingGateway's `comment` and keys starting with `_`. */
export function isNoteKey(key: string): boolean {
  return key === 'comment' || key.startsWith('_');
}

/** The decorations of `entry`: its keys other than the `reserved` ones and notes, in key order. */
export function decorationsOf(
  entry: Record<string, unknown>,
  place: Place,
  reserved: ReadonlySet<string>,
): Decoration[] {
  const decorations: Decoration[] = [];
  for (const [name, value] of Object.entries(entry)) {
    if (!reserved.has(name) && !isNoteKey(name))
      decorations.push({ name, value, place: childPlace(place, name) });
  }
  return decorations;
}

/**
 * Wraps a handler or filter with `decorations` in order, each wrapping the previous one
 * (PingGateway's order: the first key is innermost). Objects of other kinds are left as they are.
 */
export function decorate(
  value: unknown,
  kind: Kind,
  decorations: readonly ResolvedDecoration[],
  context: CreateContext,
): unknown {
  if (kind !== 'Handler' && kind !== 'Filter') return value;
  let current = value as Handler | Filter;
  for (const { decorator, value: setting, place } of decorations) {
    current = decorator.decorate(current, kind, setting, place, context);
  }
  return current;
}

/** A decoration whose value is a boolean configuration expression: true, "true", or one giving either. */
export function decorationIsOn(value: unknown, place: Place, context: CreateContext): boolean {
  if (typeof value !== 'boolean' && typeof value !== 'string') {
    throw new ConfigErrors([configError('TG_CONFIG_SCHEMA', place, 'must be a boolean or an expression')]);
  }
  // An expression may give "true" too: environment variables are strings.
  const on = context.configValue(value, place);
  return on === true || on === 'true';
}

/**
 * Runs `around` in place of a handler, or of a filter's own work: `proceed` calls the handler, or
 * the filter with the next handler it was given.
 */
export function wrapAround(
  target: Handler | Filter,
  kind: 'Handler' | 'Filter',
  around: (exchange: Exchange, proceed: () => Promise<Response>) => Promise<Response>,
): Handler | Filter {
  if (kind === 'Handler') {
    const handler = target as Handler;
    return { handle: (exchange: Exchange) => around(exchange, () => handler.handle(exchange)) };
  }
  const filter = target as Filter;
  return {
    filter: (exchange: Exchange, next: Handler) => around(exchange, () => filter.filter(exchange, next)),
  };
}
