import { expressionSchema, objectSchema } from '../config/schema.js';
import { errorCatalogue } from '../errors/catalogue.js';
import { childPlace, formatPlace } from '../errors/tollgate-error.js';
import { defineType, type Filter } from '../heap/types.js';
import type { ClientContext, Exchange } from '../http/exchange.js';
import type { Response } from '../http/message.js';

interface LocationHeaderFilterConfig {
  baseURI?: string;
}

/** The statuses whose Location PingGateway rewrites: created, and the redirects. */
const REWRITTEN_STATUSES = new Set([201, 301, 302, 303, 307, 308]);

/** The gateway's own origin, as the client reached it: the default base. */
function gatewayOrigin(exchange: Exchange): string {
  const client = exchange.contexts.client as ClientContext;
  return `${client.isSecure ? 'https' : 'http'}://${exchange.originalHost}`;
}

function originOf(value: unknown): URL | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    const url = new URL(value);
    return url.host ? url : undefined;
  } catch {
    return undefined;
  }
}

/** Replaces the scheme, host and port of an absolute Location with the base's; relative ones stay. */
function rebaseLocation(response: Response, base: URL): void {
  const location = response.headers.first('Location');
  if (location === undefined || !REWRITTEN_STATUSES.has(response.status)) return;
  let target: URL;
  try {
    target = new URL(location);
  } catch {
    return;
  }
  response.headers.set(
    'Location',
    `${base.protocol}//${base.host}${target.pathname}${target.search}${target.hash}`,
  );
}

export const locationHeaderFilterType = defineType<LocationHeaderFilterConfig, Filter>({
  type: 'LocationHeaderFilter',
  aliases: ['org.forgerock.openig.filter.LocationHeaderFilter'],
  kind: 'Filter',
  description:
    'Points the Location of a redirect or 201 response at `baseURI` (default: the gateway, as the client reached it) instead of the application.',
  schema: objectSchema({ baseURI: expressionSchema }),
  create: (config, context) => {
    const place = childPlace(context.place, 'baseURI');
    const template = config.baseURI === undefined ? undefined : context.template(config.baseURI, place);
    const where = formatPlace(place);
    return {
      async filter(exchange, next) {
        const response = await next.handle(exchange);
        const base = template ? originOf(template.evaluate(exchange)) : new URL(gatewayOrigin(exchange));
        if (base) rebaseLocation(response, base);
        else {
          exchange.log.error(
            { code: 'TG_BASE_URI_INVALID', place: where },
            errorCatalogue.TG_BASE_URI_INVALID.message,
          );
        }
        return response;
      },
    };
  },
});
