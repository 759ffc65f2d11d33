import { ConfigErrors, configError, TollgateError, type Place } from '../errors/tollgate-error.js';
import type { Exchange } from '../http/exchange.js';
import { RequestUri } from '../http/uri.js';
import type { CreateContext } from './types.js';

function parseBase(value: unknown): RequestUri | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  try {
    const base = RequestUri.parse(value);
    return base.scheme && base.host ? base : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A `baseURI` (the decoration, or a DispatchHandler binding's) compiled once: the returned function
 * rebases the request's scheme, host and port, or logs TG_BASE_URI_INVALID and returns false when
 * the base is null or not an absolute URI (the caller then answers 500, as PingGateway does). A
 * base with no expression in it is parsed here, once, and a bad one fails the route at load.
 */
export function compileRebase(
  value: unknown,
  place: Place,
  context: CreateContext,
): (exchange: Exchange) => boolean {
  const template = context.template(value, place);
  const fixed = template.constant ? parseBase(context.configValue(value, place)) : undefined;
  if (template.constant && !fixed) {
    throw new ConfigErrors([
      configError('TG_CONFIG_BAD_VALUE', place, `baseURI ${JSON.stringify(value)} is not an absolute URI`),
    ]);
  }
  const log = context.logger;
  return (exchange) => {
    const evaluated = fixed ? undefined : template.evaluate(exchange);
    const base = fixed ?? parseBase(evaluated);
    if (!base) {
      const error = new TollgateError('TG_BASE_URI_INVALID', `baseURI gave ${JSON.stringify(evaluated)}`, {
        place,
      });
      log.error({ code: error.code }, error.message);
      return false;
    }
    exchange.request.uri.rebase(base);
    return true;
  };
}
