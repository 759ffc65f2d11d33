import { expressionSchema, objectSchema, referenceSchema } from '../config/schema.js';
import { childPlace, ConfigErrors, configError, TollgateError } from '../errors/tollgate-error.js';
import { Entity } from '../http/entity.js';
import type { Exchange } from '../http/exchange.js';
import { Headers } from '../http/headers.js';
import { Request } from '../http/message.js';
import { RequestUri } from '../http/uri.js';
import { defineType, type Filter, type Handler } from '../heap/types.js';
import { basicAuthorization } from '../oauth2/client-auth.js';
import { resolveSecretsProvider, secretsProviderSchema } from '../secrets/secret-store-types.js';
import type { SecretsProvider } from '../secrets/secrets-provider.js';

interface ClientCredentialsOAuth2ClientFilterConfig {
  secretsProvider: unknown;
  tokenEndpoint: string;
  scopes?: string[];
  endpointHandler?: unknown;
  clientId?: string;
  clientSecretId?: string;
  handler?: unknown;
}

/** A token endpoint answer is small; a larger one is refused rather than read. */
const MAX_ANSWER_BYTES = 64 * 1024;
/** A token is renewed this long before it expires, so no request carries one that dies in flight. */
const REFRESH_MARGIN_MS = 30_000;

interface HeldToken {
  readonly value: string;
  /** Infinity when the server gave no expires_in: the token is kept until the backend refuses it. */
  readonly renewAt: number;
}

/**
 * One client's access token: fetched with the client_credentials grant when none is held or it is
 * about to expire, one fetch at a time however many requests wait for it.
 */
class TokenSource {
  #held: HeldToken | undefined;
  #pending: Promise<HeldToken> | undefined;

  constructor(
    private readonly fetchToken: (exchange: Exchange) => Promise<HeldToken>,
    private readonly now: () => number,
  ) {}

  get(exchange: Exchange): Promise<HeldToken> {
    const held = this.#held;
    if (held !== undefined && held.renewAt > this.now()) return Promise.resolve(held);
    this.#pending ??= this.fetchToken(exchange).then(
      (token) => {
        this.#held = token;
        this.#pending = undefined;
        return token;
      },
      (error: unknown) => {
        this.#pending = undefined;
        throw error;
      },
    );
    return this.#pending;
  }

  /** Forgets `token` (a backend refused it); a newer one fetched meanwhile is kept. */
  drop(token: HeldToken): void {
    if (this.#held === token) this.#held = undefined;
  }
}

/** Whether the request can go to the backend a second time: a body read once cannot. */
function replayable(exchange: Exchange): boolean {
  const { entity } = exchange.request;
  return entity.isBuffered || entity.length === 0;
}

function failed(detail: string): TollgateError {
  return new TollgateError('TG_OAUTH2_CLIENT_CREDENTIALS', detail);
}

export const clientCredentialsOAuth2ClientFilterType = defineType<
  ClientCredentialsOAuth2ClientFilterConfig,
  Filter
>({
  type: 'ClientCredentialsOAuth2ClientFilter',
  kind: 'Filter',
  description:
    'Gets an access token with the client_credentials grant (renewed before it expires, one fetch at a time) and sends it on as Authorization: Bearer; a 401 from the backend renews it once.',
  schema: objectSchema(
    {
      secretsProvider: secretsProviderSchema,
      tokenEndpoint: { ...expressionSchema, minLength: 1 },
      scopes: { type: 'array', items: expressionSchema },
      endpointHandler: referenceSchema,
      clientId: { ...expressionSchema, minLength: 1 },
      clientSecretId: { ...expressionSchema, minLength: 1 },
      handler: referenceSchema,
    },
    ['secretsProvider', 'tokenEndpoint'],
  ),
  create: (config, context) => {
    const { place } = context;
    const tokenEndpoint = String(
      context.configValue(config.tokenEndpoint, childPlace(place, 'tokenEndpoint')),
    );
    if (!URL.canParse(tokenEndpoint)) {
      throw new ConfigErrors([
        configError('TG_CONFIG_BAD_VALUE', childPlace(place, 'tokenEndpoint'), 'tokenEndpoint must be a URL'),
      ]);
    }
    const endpointUri = RequestUri.parse(tokenEndpoint);
    const scopes = (config.scopes ?? []).map((scope, i) =>
      String(context.configValue(scope, childPlace(place, 'scopes', i))),
    );
    const provider: SecretsProvider = resolveSecretsProvider(
      config.secretsProvider,
      context,
      childPlace(place, 'secretsProvider'),
    );
    // The deprecated clientId/clientSecretId pair authenticates with client_secret_basic here;
    // otherwise a client authentication filter in endpointHandler does.
    if ((config.clientId === undefined) !== (config.clientSecretId === undefined)) {
      const missing = config.clientId === undefined ? 'clientId' : 'clientSecretId';
      throw new ConfigErrors([
        configError(
          'TG_CONFIG_MISSING_PROPERTY',
          childPlace(place, missing),
          'clientId and clientSecretId go together',
        ),
      ]);
    }
    const client =
      config.clientId === undefined
        ? undefined
        : {
            id: String(context.configValue(config.clientId, childPlace(place, 'clientId'))),
            secretId: String(context.configValue(config.clientSecretId, childPlace(place, 'clientSecretId'))),
          };
    const endpointKey =
      config.endpointHandler === undefined && config.handler !== undefined ? 'handler' : 'endpointHandler';
    const endpointHandler = context.resolve<Handler>(
      config.endpointHandler ?? config.handler ?? 'ForgeRockClientHandler',
      'Handler',
      childPlace(place, endpointKey),
    );
    const body = new URLSearchParams({ grant_type: 'client_credentials' });
    if (scopes.length > 0) body.set('scope', scopes.join(' '));
    const form = body.toString();

    const fetchToken = async (exchange: Exchange): Promise<HeldToken> => {
      const headers = Headers.fromRecord({
        'Content-Type': 'application/x-www-form-urlencoded',
        Accept: 'application/json',
      });
      if (client)
        headers.set(
          'Authorization',
          basicAuthorization(client.id, await provider.getSecret(client.secretId)),
        );
      const asRequest = new Request({
        method: 'POST',
        uri: endpointUri.clone(),
        headers,
        entity: new Entity(form),
      });
      // Detached: the token serves every waiting request, so one client going away must not end it.
      const sub = exchange.subExchange(asRequest, undefined, { detached: true });
      let status: number;
      let answer: unknown;
      try {
        const response = await endpointHandler.handle(sub);
        await response.entity.load(MAX_ANSWER_BYTES, 'TG_UPSTREAM_RESPONSE_TOO_LARGE');
        status = response.status;
        try {
          answer = JSON.parse(response.entity.string ?? '');
        } catch {
          answer = undefined;
        }
      } finally {
        sub.end();
      }
      const fields = (typeof answer === 'object' && answer !== null ? answer : {}) as Record<string, unknown>;
      if (status !== 200) {
        const error = typeof fields.error === 'string' ? ` (${fields.error})` : '';
        throw failed(`the token endpoint answered ${status}${error}`);
      }
      if (typeof fields.access_token !== 'string' || fields.access_token === '') {
        throw failed('the token endpoint answer has no access_token');
      }
      const expiresIn = fields.expires_in;
      const lifetimeMs = typeof expiresIn === 'number' && expiresIn > 0 ? expiresIn * 1000 : Infinity;
      const margin = Math.min(REFRESH_MARGIN_MS, lifetimeMs / 2);
      return { value: fields.access_token, renewAt: Date.now() + lifetimeMs - margin };
    };
    const tokens = new TokenSource(fetchToken, Date.now);

    return {
      async filter(exchange, next) {
        const token = await tokens.get(exchange);
        exchange.request.headers.set('Authorization', `Bearer ${token.value}`);
        const response = await next.handle(exchange);
        // A revoked or rotated token: renew once, if the request can be sent again as it was.
        if (response.status !== 401 || !replayable(exchange)) return response;
        tokens.drop(token);
        const renewed = await tokens.get(exchange);
        if (renewed === token) return response;
        response.entity.discard();
        exchange.request.headers.set('Authorization', `Bearer ${renewed.value}`);
        return next.handle(exchange);
      },
    };
  },
});
