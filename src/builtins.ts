import { allowOnlyFilterType } from './filters/allow-only-filter.js';
import { assignmentFilterType } from './filters/assignment-filter.js';
import { chainOfFiltersType } from './filters/chain-of-filters.js';
import { clientCredentialsOAuth2ClientFilterType } from './filters/client-credentials-oauth2-client-filter.js';
import { clientSecretBasicAuthenticationFilterType } from './filters/client-secret-basic-authentication-filter.js';
import { clientSecretPostAuthenticationFilterType } from './filters/client-secret-post-authentication-filter.js';
import { conditionEnforcementFilterType } from './filters/condition-enforcement-filter.js';
import { conditionalFilterType } from './filters/conditional-filter.js';
import { cookieFilterType } from './filters/cookie-filter.js';
import { corsFilterType } from './filters/cors-filter.js';
import { entityExtractFilterType } from './filters/entity-extract-filter.js';
import { headerFilterType } from './filters/header-filter.js';
import { httpBasicAuthenticationClientFilterType } from './filters/http-basic-authentication-client-filter.js';
import { jwtBuilderFilterType } from './filters/jwt-builder-filter.js';
import { jwtValidationFilterType } from './filters/jwt-validation-filter.js';
import { oauth2ResourceServerFilterType } from './filters/oauth2-resource-server-filter.js';
import { locationHeaderFilterType } from './filters/location-header-filter.js';
import { oauth2TokenExchangeFilterType } from './filters/oauth2-token-exchange-filter.js';
import { privateKeyJwtClientAuthenticationFilterType } from './filters/private-key-jwt-client-authentication-filter.js';
import { scriptableFilterType } from './filters/scriptable-filter.js';
import { passwordReplayFilterType } from './filters/password-replay-filter.js';
import { staticRequestFilterType } from './filters/static-request-filter.js';
import { switchFilterType } from './filters/switch-filter.js';
import { throttlingFilterType } from './filters/throttling-filter.js';
import { transactionIdOutboundFilterType } from './filters/transaction-id-outbound-filter.js';
import { uriPathRewriteFilterType } from './filters/uri-path-rewrite-filter.js';
import { chainType } from './handlers/chain.js';
import { clientHandlerType } from './handlers/client-handler.js';
import { dispatchHandlerType } from './handlers/dispatch-handler.js';
import { forgeRockClientHandlerType } from './handlers/forge-rock-client-handler.js';
import { reverseProxyHandlerType } from './handlers/reverse-proxy-handler.js';
import { scriptableHandlerType } from './handlers/scriptable-handler.js';
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
import { secretsKeyManagerType } from './secrets/secrets-key-manager.js';
import { secretsTrustManagerType } from './secrets/secrets-trust-manager.js';
import { trustAllManagerType } from './secrets/trust-all-manager.js';
import { amServiceType } from './services/am-service.js';
import { cacheAccessTokenResolverType } from './services/cache-access-token-resolver.js';
import { clientTlsOptionsType } from './services/client-tls-options.js';
import { customProxyOptionsType } from './services/custom-proxy-options.js';
import { noProxyOptionsType } from './services/no-proxy-options.js';
import { auditServiceType } from './services/audit-service.js';
import { redisExchangeCacheType } from './services/redis-exchange-cache.js';
import { inMemorySessionManagerType } from './services/in-memory-session-manager.js';
import { jwtSessionType } from './services/jwt-session.js';
import { defaultRateThrottlingPolicyType } from './services/default-rate-throttling-policy.js';
import { mappedThrottlingPolicyType } from './services/mapped-throttling-policy.js';
import { noOpAuditServiceType } from './services/no-op-audit-service.js';
import { scriptableAccessTokenResolverType } from './services/scriptable-access-token-resolver.js';
import { scriptableResourceAccessType } from './services/scriptable-resource-access.js';
import { statelessAccessTokenResolverType } from './services/stateless-access-token-resolver.js';
import { tokenIntrospectionAccessTokenResolverType } from './services/token-introspection-access-token-resolver.js';
import { systemProxyOptionsType } from './services/system-proxy-options.js';
import { temporaryStorageType } from './services/temporary-storage.js';
import { baseUriDecoratorType } from './heap/base-uri-decorator.js';
import { auditDecoratorType } from './heap/audit-decorator.js';
import { captureDecoratorType } from './heap/capture-decorator.js';
import { timerDecoratorType } from './heap/timer-decorator.js';
import { TypeRegistry } from './heap/registry.js';
import type { TypeDefinition } from './heap/types.js';
import type { BuiltinTypes } from './server/gateway.js';

/**
 * Every built-in type, listed by hand: adding a type means adding it here. The list imports every
 * type, so it sits at the top of src/, above the server that builds gateways from it.
 */
export const builtinTypes: readonly TypeDefinition[] = Object.freeze([
  allowOnlyFilterType,
  amServiceType,
  assignmentFilterType,
  auditDecoratorType,
  auditServiceType,
  base64EncodedSecretStoreType,
  cacheAccessTokenResolverType,
  baseUriDecoratorType,
  captureDecoratorType,
  chainOfFiltersType,
  chainType,
  clientHandlerType,
  clientCredentialsOAuth2ClientFilterType,
  clientSecretBasicAuthenticationFilterType,
  clientSecretPostAuthenticationFilterType,
  clientTlsOptionsType,
  conditionEnforcementFilterType,
  conditionalFilterType,
  cookieFilterType,
  corsFilterType,
  customProxyOptionsType,
  defaultRateThrottlingPolicyType,
  dispatchHandlerType,
  entityExtractFilterType,
  fileSystemSecretStoreType,
  forgeRockClientHandlerType,
  headerFilterType,
  httpBasicAuthenticationClientFilterType,
  inMemorySessionManagerType,
  jwkSetSecretStoreType,
  jwtBuilderFilterType,
  oauth2ResourceServerFilterType,
  jwtSessionType,
  jwtValidationFilterType,
  locationHeaderFilterType,
  mappedThrottlingPolicyType,
  noProxyOptionsType,
  noOpAuditServiceType,
  oauth2TokenExchangeFilterType,
  privateKeyJwtClientAuthenticationFilterType,
  redisExchangeCacheType,
  reverseProxyHandlerType,
  routerType,
  scriptableAccessTokenResolverType,
  scriptableFilterType,
  scriptableHandlerType,
  scriptableResourceAccessType,
  secretsKeyManagerType,
  secretsProviderType,
  secretsTrustManagerType,
  sequenceHandlerType,
  statelessAccessTokenResolverType,
  staticRequestFilterType,
  passwordReplayFilterType,
  staticResponseHandlerType,
  switchFilterType,
  systemAndEnvSecretStoreType,
  tokenIntrospectionAccessTokenResolverType,
  systemProxyOptionsType,
  temporaryStorageType,
  timerDecoratorType,
  throttlingFilterType,
  transactionIdOutboundFilterType,
  trustAllManagerType,
  uriPathRewriteFilterType,
] as TypeDefinition[]);

/** Heap objects every config can name without declaring them. */
export const defaultDeclarations = Object.freeze([
  { name: 'AuditService', type: 'NoOpAuditService' },
  { name: 'audit', type: 'AuditDecorator' },
  { name: 'baseURI', type: 'BaseUriDecorator' },
  { name: 'capture', type: 'CaptureDecorator' },
  { name: 'ClientHandler', type: 'ClientHandler' },
  { name: 'ForgeRockClientHandler', type: 'ForgeRockClientHandler' },
  { name: 'ProxyOptions', type: 'NoProxyOptions' },
  { name: 'ReverseProxyHandler', type: 'ReverseProxyHandler' },
  { name: 'TemporaryStorage', type: 'TemporaryStorage' },
  { name: 'timer', type: 'TimerDecorator' },
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
