import { assignmentFilterType } from './filters/assignment-filter.js';
import { chainOfFiltersType } from './filters/chain-of-filters.js';
import { clientSecretBasicAuthenticationFilterType } from './filters/client-secret-basic-authentication-filter.js';
import { clientSecretPostAuthenticationFilterType } from './filters/client-secret-post-authentication-filter.js';
import { conditionEnforcementFilterType } from './filters/condition-enforcement-filter.js';
import { conditionalFilterType } from './filters/conditional-filter.js';
import { headerFilterType } from './filters/header-filter.js';
import { oauth2ResourceServerFilterType } from './filters/oauth2-resource-server-filter.js';
import { oauth2TokenExchangeFilterType } from './filters/oauth2-token-exchange-filter.js';
import { privateKeyJwtClientAuthenticationFilterType } from './filters/private-key-jwt-client-authentication-filter.js';
import { transactionIdOutboundFilterType } from './filters/transaction-id-outbound-filter.js';
import { chainType } from './handlers/chain.js';
import { clientHandlerType } from './handlers/client-handler.js';
import { dispatchHandlerType } from './handlers/dispatch-handler.js';
import { forgeRockClientHandlerType } from './handlers/forge-rock-client-handler.js';
import { reverseProxyHandlerType } from './handlers/reverse-proxy-handler.js';
import { sequenceHandlerType } from './handlers/sequence-handler.js';
import { staticResponseHandlerType } from './handlers/static-response-handler.js';
import { routerType } from './router/router.js';
import {
  base64EncodedSecretStoreType,
  fileSystemSecretStoreType,
  jwkSetSecretStoreType,
  secretsProviderType,
  systemAndEnvSecretStoreType,
} from './secrets/secret-store-types.js';
import { amServiceType } from './services/am-service.js';
import { cacheAccessTokenResolverType } from './services/cache-access-token-resolver.js';
import { scriptableResourceAccessType } from './services/scriptable-resource-access.js';
import { statelessAccessTokenResolverType } from './services/stateless-access-token-resolver.js';
import { tokenIntrospectionAccessTokenResolverType } from './services/token-introspection-access-token-resolver.js';
import { TypeRegistry } from './heap/registry.js';
import type { TypeDefinition } from './heap/types.js';
import type { BuiltinTypes } from './server/gateway.js';

/**
 * Every built-in type, listed by hand: adding a type means adding it here. The list imports every
 * type, so it sits at the top of src/, above the server that builds gateways from it.
 */
export const builtinTypes: readonly TypeDefinition[] = Object.freeze([
  amServiceType,
  assignmentFilterType,
  base64EncodedSecretStoreType,
  cacheAccessTokenResolverType,
  chainOfFiltersType,
  chainType,
  clientHandlerType,
  clientSecretBasicAuthenticationFilterType,
  clientSecretPostAuthenticationFilterType,
  conditionEnforcementFilterType,
  conditionalFilterType,
  dispatchHandlerType,
  fileSystemSecretStoreType,
  forgeRockClientHandlerType,
  headerFilterType,
  jwkSetSecretStoreType,
  oauth2ResourceServerFilterType,
  oauth2TokenExchangeFilterType,
  privateKeyJwtClientAuthenticationFilterType,
  reverseProxyHandlerType,
  routerType,
  scriptableResourceAccessType,
  secretsProviderType,
  sequenceHandlerType,
  statelessAccessTokenResolverType,
  staticResponseHandlerType,
  systemAndEnvSecretStoreType,
  tokenIntrospectionAccessTokenResolverType,
  transactionIdOutboundFilterType,
] as TypeDefinition[]);

/** Heap objects every config can name without declaring them. */
export const defaultDeclarations = Object.freeze([
  { name: 'ClientHandler', type: 'ClientHandler' },
  { name: 'ForgeRockClientHandler', type: 'ForgeRockClientHandler' },
  { name: 'ReverseProxyHandler', type: 'ReverseProxyHandler' },
  { name: 'TransactionIdOutboundFilter', type: 'TransactionIdOutboundFilter' },
]);

export function createBuiltinRegistry(): TypeRegistry {
  return TypeRegistry.create(builtinTypes);
}

/** The built-in types as the server takes them: it cannot import this list, which sits above it. */
export const builtins: BuiltinTypes = Object.freeze({
  createRegistry: createBuiltinRegistry,
  defaults: defaultDeclarations,
});
