import { expressionSchema, objectSchema, referenceSchema } from '../config/schema.js';
import { childPlace, TollgateError } from '../errors/tollgate-error.js';
import type { Cancellation } from '../http/cancellation.js';
import { Entity } from '../http/entity.js';
import type { Exchange } from '../http/exchange.js';
import { FORM_MEDIA_TYPE } from '../http/form.js';
import { Headers } from '../http/headers.js';
import { Request } from '../http/message.js';
import { RequestUri } from '../http/uri.js';
import { defineType, type Handler } from '../heap/types.js';
import {
  readIntrospectionAnswer,
  resolutionFailed,
  type AccessTokenResolution,
  type AccessTokenResolver,
  type IntrospectionAnswer,
} from '../oauth2/access-token.js';
import { amServiceOrEndpoint } from './am-service.js';

interface TokenIntrospectionConfig {
  amService?: unknown;
  endpoint?: string;
  providerHandler?: unknown;
}

/** Longest introspection answer read; one is a few hundred bytes. */
const MAX_ANSWER_BYTES = 64 * 1024;
/**
 * How long one introspection may take. PingGateway leaves this to the providerHandler's
 * ClientHandler; a bound here keeps a silent server from holding requests (and, behind a cache,
 * every request sharing the call) for the handler's whole time-out.
 */
const INTROSPECTION_TIMEOUT_MS = 10_000;

/** Rejects with the cancellation's reason when it fires first, so a handler that ignores it cannot hang. */
function untilCancelled<T>(work: Promise<T>, cancellation: Cancellation): Promise<T> {
  if (cancellation.reason !== undefined) return Promise.reject(cancellation.reason);
  return new Promise<T>((resolve, reject) => {
    cancellation.onCancel(reject);
    work.then(resolve, reject).finally(() => cancellation.offCancel(reject));
  });
}

/**
 * RFC 7662 token introspection: POSTs `token` (with `token_type_hint=access_token`) to the
 * endpoint through `providerHandler`, where the client-authentication filters that present the
 * gateway's credentials sit, and reads the answer (see readIntrospectionAnswer).
 */
class TokenIntrospectionAccessTokenResolver implements AccessTokenResolver {
  readonly #endpoint: string;
  readonly #endpointUri: RequestUri;
  readonly #handler: Handler;

  constructor(endpoint: string, handler: Handler) {
    this.#endpoint = endpoint;
    this.#endpointUri = RequestUri.parse(endpoint);
    this.#handler = handler;
  }

  async resolve(token: string, exchange: Exchange): Promise<AccessTokenResolution> {
    const body = new URLSearchParams({ token, token_type_hint: 'access_token' }).toString();
    const request = new Request({
      method: 'POST',
      uri: this.#endpointUri.clone(),
      headers: Headers.fromRecord({ 'Content-Type': FORM_MEDIA_TYPE, Accept: 'application/json' }),
      entity: new Entity(body),
    });
    // Detached: behind a cache, several requests wait on this one call, and one client leaving
    // must not fail the others.
    const sub = exchange.subExchange(request, INTROSPECTION_TIMEOUT_MS, { detached: true });
    let answer: IntrospectionAnswer;
    try {
      answer = await untilCancelled(this.#send(sub), sub.cancellation);
    } catch (error) {
      const why =
        error instanceof TollgateError ? `${error.code}: ${error.detail ?? error.message}` : 'failed';
      throw resolutionFailed(`introspection at ${this.#endpoint} ${why}`, error);
    } finally {
      sub.end();
    }
    return readIntrospectionAnswer(answer, token, Date.now());
  }

  async #send(sub: Exchange): Promise<IntrospectionAnswer> {
    const response = await this.#handler.handle(sub);
    await response.entity.load(MAX_ANSWER_BYTES, 'TG_UPSTREAM_RESPONSE_TOO_LARGE');
    return {
      status: response.status,
      contentType: response.headers.first('content-type'),
      body: response.entity.string ?? '',
    };
  }
}

export const tokenIntrospectionAccessTokenResolverType = defineType<
  TokenIntrospectionConfig,
  AccessTokenResolver
>({
  type: 'TokenIntrospectionAccessTokenResolver',
  kind: 'AccessTokenResolver',
  description:
    "Asks the authorization server's introspection endpoint (RFC 7662) whether an access token is active, through the providerHandler.",
  schema: objectSchema({
    amService: referenceSchema,
    endpoint: expressionSchema,
    providerHandler: referenceSchema,
  }),
  create: (config, context) =>
    new TokenIntrospectionAccessTokenResolver(
      amServiceOrEndpoint(config, context, (service) => service.introspectionEndpoint),
      context.resolve<Handler>(
        config.providerHandler ?? 'ForgeRockClientHandler',
        'Handler',
        childPlace(context.place, 'providerHandler'),
      ),
    ),
});
