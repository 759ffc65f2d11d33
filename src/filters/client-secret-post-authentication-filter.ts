import { expressionSchema, objectSchema } from '../config/schema.js';
import {
  childPlace,
  ConfigErrors,
  configError,
  type Place,
  TollgateError,
} from '../errors/tollgate-error.js';
import { defineType, type CreateContext, type Filter } from '../heap/types.js';
import type { Exchange } from '../http/exchange.js';
import { FORM_MEDIA_TYPE } from '../http/form.js';
import type { Headers } from '../http/headers.js';
import type { Request } from '../http/message.js';
import {
  clientSecretPost,
  type ClientAuthenticator,
  type TokenEndpointRequest,
} from '../oauth2/client-auth.js';
import {
  resolveSecretsProvider,
  secretsProviderSchema,
  warnIfNoStoreHolds,
} from '../secrets/secret-store-types.js';

/** The config of ClientSecretBasic- and ClientSecretPostAuthenticationFilter. */
export interface ClientSecretConfig {
  clientId: string;
  clientSecretId: string;
  secretsProvider: unknown;
}

export const clientSecretSchema = objectSchema(
  {
    clientId: { ...expressionSchema, minLength: 1 },
    clientSecretId: { ...expressionSchema, minLength: 1 },
    secretsProvider: secretsProviderSchema,
  },
  ['clientId', 'clientSecretId', 'secretsProvider'],
);

/** A configuration expression that must give a non-empty string, evaluated once at build. */
export function configText(context: CreateContext, value: unknown, place: Place): string {
  const evaluated = context.configValue(value, place);
  if (typeof evaluated !== 'string' || evaluated === '') {
    throw new ConfigErrors([configError('TG_CONFIG_BAD_VALUE', place, 'expected a non-empty string')]);
  }
  return evaluated;
}

/** Builds the authenticator of a client-secret filter; the secret is read per request. */
export function clientSecretAuthenticator(
  config: ClientSecretConfig,
  context: CreateContext,
  method: typeof clientSecretPost,
): ClientAuthenticator {
  const { place } = context;
  const clientId = configText(context, config.clientId, childPlace(place, 'clientId'));
  const secretId = configText(context, config.clientSecretId, childPlace(place, 'clientSecretId'));
  const provider = resolveSecretsProvider(
    config.secretsProvider,
    context,
    childPlace(place, 'secretsProvider'),
  );
  warnIfNoStoreHolds(context, provider, secretId, 'secret', childPlace(place, 'clientSecretId'));
  // A function, not the secret: stores may rotate their secrets, so each request looks it up.
  return method(clientId, () => provider.getSecret(secretId));
}

/**
 * The token request as header methods see it: they read neither the endpoint nor the form, so
 * each is made only when read.
 */
class HeaderOnlyRequest implements TokenEndpointRequest {
  readonly #request: Request;
  #form: URLSearchParams | undefined;

  constructor(request: Request) {
    this.#request = request;
  }

  get endpoint(): string {
    return this.#request.uri.toString();
  }

  get form(): URLSearchParams {
    return (this.#form ??= new URLSearchParams());
  }

  get headers(): Headers {
    return this.#request.headers;
  }
}

/**
 * Adds the client's credentials to the outgoing request (the token request the exchange filter
 * builds, or any request a Chain sends to an authorization server). Methods that put
 * credentials in the body get the request's form and the body is rewritten from it, with its
 * new Content-Length; a body that is not a form cannot carry them and is an error.
 */
export async function authenticateRequest(
  exchange: Exchange,
  authenticator: ClientAuthenticator,
  usesBody: boolean,
): Promise<void> {
  const { request } = exchange;
  if (!usesBody) {
    await authenticator.authenticate(new HeaderOnlyRequest(request));
    return;
  }
  const endpoint = request.uri.toString();
  if (!request.entity.isBuffered) {
    await request.entity.load(exchange.maxEntityBytes, 'TG_REQUEST_ENTITY_TOO_LARGE');
  }
  const text = request.entity.string ?? '';
  const mediaType = request.headers.first('content-type')?.split(';', 1)[0]?.trim().toLowerCase();
  if (text !== '' && mediaType !== FORM_MEDIA_TYPE) {
    throw new TollgateError(
      'TG_OAUTH2_CLIENT_AUTH',
      `${authenticator.method} needs an ${FORM_MEDIA_TYPE} body, not ${mediaType ?? 'an untyped one'}`,
    );
  }
  const form = new URLSearchParams(text);
  await authenticator.authenticate({ endpoint, form, headers: request.headers });
  const body = form.toString();
  request.entity.set(body);
  request.headers.set('Content-Type', FORM_MEDIA_TYPE);
  request.headers.delete('Transfer-Encoding');
  request.headers.set('Content-Length', String(Buffer.byteLength(body)));
}

export const clientSecretPostAuthenticationFilterType = defineType<ClientSecretConfig, Filter>({
  type: 'ClientSecretPostAuthenticationFilter',
  kind: 'Filter',
  description:
    'Adds client_id and client_secret (from the secretsProvider) to the form body of the outgoing request.',
  schema: clientSecretSchema,
  create: (config, context) => {
    const authenticator = clientSecretAuthenticator(config, context, clientSecretPost);
    return {
      async filter(exchange, next) {
        await authenticateRequest(exchange, authenticator, true);
        return next.handle(exchange);
      },
    };
  },
});
