import { defineType, type Filter } from '../heap/types.js';
import { clientSecretBasic } from '../oauth2/client-auth.js';
import {
  authenticateRequest,
  clientSecretAuthenticator,
  clientSecretSchema,
  type ClientSecretConfig,
} from './client-secret-post-authentication-filter.js';

export const clientSecretBasicAuthenticationFilterType = defineType<ClientSecretConfig, Filter>({
  type: 'ClientSecretBasicAuthenticationFilter',
  kind: 'Filter',
  description:
    'Adds Authorization: Basic with the client id and secret (from the secretsProvider) to the outgoing request.',
  schema: clientSecretSchema,
  create: (config, context) => {
    const authenticator = clientSecretAuthenticator(config, context, clientSecretBasic);
    return {
      async filter(exchange, next) {
        await authenticateRequest(exchange, authenticator, false);
        return next.handle(exchange);
      },
    };
  },
});
