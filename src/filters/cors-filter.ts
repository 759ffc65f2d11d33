import { parseDuration } from '../config/duration.js';
import { durationSchema, objectSchema, referenceSchema } from '../config/schema.js';
import { childPlace, configError, type Place } from '../errors/tollgate-error.js';
import { defineType, type CreateContext, type Filter, type Handler } from '../heap/types.js';
import type { Exchange } from '../http/exchange.js';
import { textResponse, type Response } from '../http/message.js';

type ListOrStar = string[] | '*';

interface PolicyConfig {
  acceptedOrigins?: ListOrStar;
  origins?: ListOrStar;
  acceptedMethods?: ListOrStar;
  acceptedHeaders?: ListOrStar;
  exposedHeaders?: string[];
  maxAge?: string | number;
  allowCredentials?: boolean | string;
}

interface CorsFilterConfig {
  policies: PolicyConfig[];
  failureHandler?: unknown;
}

/** A set of accepted values, `any` for "*"; values are kept as `normalise` gives them. */
interface Accepted {
  readonly any: boolean;
  readonly values: ReadonlySet<string>;
}

interface Policy {
  readonly origins: Accepted;
  readonly methods: Accepted;
  readonly headers: Accepted;
  readonly exposedHeaders: readonly string[];
  readonly maxAgeSeconds: number | undefined;
  readonly allowCredentials: boolean;
}

const listOrStarSchema = {
  anyOf: [{ const: '*' }, { type: 'array', items: { type: 'string' } }],
};

function accepted(
  list: ListOrStar | undefined,
  normalise: (value: string) => string,
  context: CreateContext,
  place: Place,
): Accepted {
  if (list === '*') return { any: true, values: new Set() };
  const values = (list ?? []).map((value, i) =>
    normalise(String(context.configValue(value, childPlace(place, i)))),
  );
  return { any: values.includes(normalise('*')), values: new Set(values) };
}

const lower = (value: string): string => value.toLowerCase();
// Origins are URLs of scheme, host and port; a trailing slash in the config is not part of one.
const origin = (value: string): string => value.toLowerCase().replace(/\/$/, '');

function compilePolicy(config: PolicyConfig, context: CreateContext, place: Place): Policy {
  // `origins` is PingGateway's deprecated name for acceptedOrigins, still read when the new one is absent.
  const originsKey =
    config.acceptedOrigins === undefined && config.origins !== undefined ? 'origins' : 'acceptedOrigins';
  if (config.acceptedOrigins === undefined && config.origins === undefined)
    throw configError(
      'TG_CONFIG_MISSING_PROPERTY',
      childPlace(place, 'acceptedOrigins'),
      'a policy needs acceptedOrigins',
    );
  const maxAgePlace = childPlace(place, 'maxAge');
  const maxAgeMs =
    config.maxAge === undefined
      ? undefined
      : parseDuration(context.configValue(config.maxAge, maxAgePlace) as string | number, maxAgePlace);
  const credentials = context.configValue(
    config.allowCredentials ?? false,
    childPlace(place, 'allowCredentials'),
  );
  return {
    origins: accepted(
      config.acceptedOrigins ?? config.origins,
      origin,
      context,
      childPlace(place, originsKey),
    ),
    methods: accepted(config.acceptedMethods, (m) => m, context, childPlace(place, 'acceptedMethods')),
    headers: accepted(config.acceptedHeaders, lower, context, childPlace(place, 'acceptedHeaders')),
    exposedHeaders: (config.exposedHeaders ?? []).map((h, i) =>
      String(context.configValue(h, childPlace(place, 'exposedHeaders', i))),
    ),
    maxAgeSeconds:
      maxAgeMs === undefined || !Number.isFinite(maxAgeMs) ? undefined : Math.floor(maxAgeMs / 1000),
    allowCredentials: credentials === true || String(credentials).toLowerCase() === 'true',
  };
}

const allows = (set: Accepted, value: string): boolean => set.any || set.values.has(value);

/** The names a preflight asks for in Access-Control-Request-Headers, lower-cased. */
function requestedHeaders(exchange: Exchange): string[] {
  return (exchange.request.headers.get('Access-Control-Request-Headers') ?? [])
    .flatMap((value) => value.split(','))
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '');
}

function addOriginHeaders(response: Response, policy: Policy, requestOrigin: string): void {
  // The origin is echoed rather than "*": a credentialed response may not carry "*", and caches
  // must keep one answer per origin.
  response.headers.set('Access-Control-Allow-Origin', requestOrigin);
  response.headers.add('Vary', 'Origin');
  if (policy.allowCredentials) response.headers.set('Access-Control-Allow-Credentials', 'true');
}

export const corsFilterType = defineType<CorsFilterConfig, Filter>({
  type: 'CorsFilter',
  aliases: ['org.forgerock.openig.filter.CorsFilterHeaplet'],
  kind: 'Filter',
  description:
    'Cross-origin resource sharing: answers preflights itself and adds the CORS headers to the responses of accepted origins; other origins get the failureHandler (default 403).',
  schema: objectSchema(
    {
      policies: {
        type: 'array',
        minItems: 1,
        items: objectSchema({
          acceptedOrigins: listOrStarSchema,
          origins: listOrStarSchema,
          acceptedMethods: listOrStarSchema,
          acceptedHeaders: listOrStarSchema,
          exposedHeaders: { type: 'array', items: { type: 'string' } },
          maxAge: durationSchema,
          allowCredentials: { type: ['boolean', 'string'] },
        }),
      },
      failureHandler: referenceSchema,
    },
    ['policies'],
  ),
  create: (config, context) => {
    const policies = config.policies.map((policy, i) =>
      compilePolicy(policy, context, childPlace(context.place, 'policies', i)),
    );
    const failureHandler = context.resolveOptional<Handler>(
      config.failureHandler,
      'Handler',
      childPlace(context.place, 'failureHandler'),
    );
    const fail = (exchange: Exchange): Promise<Response> | Response =>
      failureHandler ? failureHandler.handle(exchange) : textResponse(403);
    return {
      async filter(exchange, next) {
        const requestOrigin = exchange.request.headers.first('Origin');
        // Without an Origin header the request is not a CORS one and passes untouched.
        if (requestOrigin === undefined) return next.handle(exchange);
        const policy = policies.find((p) => allows(p.origins, origin(requestOrigin)));
        if (!policy) return fail(exchange);
        const requestedMethod = exchange.request.headers.first('Access-Control-Request-Method');
        if (exchange.request.method === 'OPTIONS' && requestedMethod !== undefined) {
          const headers = requestedHeaders(exchange);
          if (!allows(policy.methods, requestedMethod) || !headers.every((h) => allows(policy.headers, h)))
            return fail(exchange);
          const response = textResponse(200);
          addOriginHeaders(response, policy, requestOrigin);
          response.headers.set('Access-Control-Allow-Methods', requestedMethod);
          if (headers.length > 0) response.headers.set('Access-Control-Allow-Headers', headers.join(', '));
          if (policy.maxAgeSeconds !== undefined)
            response.headers.set('Access-Control-Max-Age', String(policy.maxAgeSeconds));
          return response;
        }
        const response = await next.handle(exchange);
        exchange.response = response;
        addOriginHeaders(response, policy, requestOrigin);
        if (policy.exposedHeaders.length > 0)
          response.headers.set('Access-Control-Expose-Headers', policy.exposedHeaders.join(', '));
        return response;
      },
    };
  },
});
