import { objectSchema, referenceSchema } from '../config/schema.js';
import {
  childPlace,
  ConfigErrors,
  configError,
  formatPlace,
  type TollgateError,
} from '../errors/tollgate-error.js';
import { errorCatalogue } from '../errors/catalogue.js';
import { defineType, type Filter, type Handler } from '../heap/types.js';
import type { Exchange } from '../http/exchange.js';
import { textResponse, type Response } from '../http/message.js';
import type { RequestUri } from '../http/uri.js';

interface UriPathRewriteFilterConfig {
  mappings: Record<string, string>;
  failureHandler?: unknown;
}

interface Mapping {
  readonly from: string;
  readonly to: string;
}

/** A path as RFC 3986 allows it: unreserved, sub-delims, ':', '@', '/' and well-formed escapes. */
const VALID_PATH = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-Fa-f]{2})*$/;

/** PingGateway drops trailing slashes from both sides of a mapping, so `/` maps the root. */
function trimmed(path: string): string {
  return path.replace(/\/+$/, '');
}

/** Whether `path` starts with the whole segments of `prefix` ('' is the root, under everything). */
function under(path: string, prefix: string): boolean {
  return prefix === '' || path === prefix || path.startsWith(`${prefix}/`);
}

/** The most specific mapping for `path` on the given side: the longest prefix that applies. */
function mostSpecific(mappings: readonly Mapping[], path: string, side: keyof Mapping): Mapping | undefined {
  let best: Mapping | undefined;
  for (const mapping of mappings) {
    if (under(path, mapping[side]) && (!best || mapping[side].length > best[side].length)) best = mapping;
  }
  return best;
}

function replacePrefix(path: string, prefix: string, replacement: string): string {
  return `${replacement}${path.slice(prefix.length)}` || '/';
}

const REWRITTEN_HEADERS = ['Location', 'Content-Location'];

/**
 * A response header pointing into the application under a `to` path points back under its `from`
 * path, when it is relative or names the application's own scheme, host and port.
 */
function rewriteResponse(response: Response, mappings: readonly Mapping[], upstream: RequestUri): void {
  for (const name of REWRITTEN_HEADERS) {
    const value = response.headers.first(name);
    if (value === undefined) continue;
    let target: URL;
    try {
      target = new URL(value, upstream.toString());
    } catch {
      continue;
    }
    const sameOrigin = value.startsWith('/') || target.origin === new URL(upstream.origin).origin;
    const mapping = sameOrigin ? mostSpecific(mappings, target.pathname, 'to') : undefined;
    if (!mapping) continue;
    const path = replacePrefix(target.pathname, mapping.to, mapping.from);
    const rest = `${target.search}${target.hash}`;
    response.headers.set(name, value.startsWith('/') ? `${path}${rest}` : `${target.origin}${path}${rest}`);
  }
}

export const uriPathRewriteFilterType = defineType<UriPathRewriteFilterConfig, Filter>({
  type: 'UriPathRewriteFilter',
  aliases: ['org.forgerock.openig.filter.UriPathRewriteFilter'],
  kind: 'Filter',
  description:
    'Rewrites the request path from the most specific `from` path of its mappings to its `to` path, and Location headers of the response back.',
  schema: objectSchema(
    {
      mappings: { type: 'object', additionalProperties: { type: 'string' }, minProperties: 1 },
      failureHandler: referenceSchema,
    },
    ['mappings'],
  ),
  create: (config, context) => {
    const place = childPlace(context.place, 'mappings');
    const problems: TollgateError[] = [];
    const mappings: Mapping[] = [];
    for (const [key, value] of Object.entries(config.mappings)) {
      const from = trimmed(String(context.configValue(key, childPlace(place, key))));
      const to = trimmed(String(context.configValue(value, childPlace(place, key))));
      if (value === '' || key === '') {
        problems.push(
          configError('TG_CONFIG_BAD_VALUE', childPlace(place, key), 'a mapped path cannot be empty'),
        );
      } else if (mappings.some((m) => m.from === from)) {
        // PingGateway keeps the first of two spellings of one path (`/a` and `/a/`) without a word.
        context.logger.warn(
          { code: 'TG_CONFIG_BAD_VALUE', place: formatPlace(childPlace(place, key)) },
          `"${key}" maps the same path as an earlier key of the mappings; the earlier one is kept`,
        );
      } else mappings.push({ from, to });
    }
    if (problems.length > 0) throw new ConfigErrors(problems);
    const failureHandler = context.resolveOptional<Handler>(
      config.failureHandler,
      'Handler',
      childPlace(context.place, 'failureHandler'),
    );
    const fail = (exchange: Exchange): Promise<Response> | Response =>
      failureHandler ? failureHandler.handle(exchange) : textResponse(500);
    return {
      async filter(exchange, next) {
        const uri = exchange.request.uri;
        const mapping = mostSpecific(mappings, uri.rawPath, 'from');
        if (!mapping) return next.handle(exchange);
        const rewritten = replacePrefix(uri.rawPath, mapping.from, mapping.to);
        if (!VALID_PATH.test(rewritten)) {
          exchange.log.warn(
            { code: 'TG_PATH_REWRITE_INVALID', mapping: mapping.from },
            errorCatalogue.TG_PATH_REWRITE_INVALID.message,
          );
          return fail(exchange);
        }
        uri.rawPath = rewritten;
        const response = await next.handle(exchange);
        rewriteResponse(response, mappings, exchange.request.uri);
        return response;
      },
    };
  },
});
