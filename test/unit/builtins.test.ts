// The type list at the root of src/, so its test sits at the root of test/unit/.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { builtins, builtinTypes, createBuiltinRegistry, defaultDeclarations } from '../../src/builtins.js';
import { testHeap } from '../fixtures/heap.js';

describe('the built-in types', () => {
  test('are the PingGateway types Tollgate supports, each listed once with its kind', () => {
    const kinds = builtinTypes.map((definition) => [definition.type, definition.kind]);
    assert.equal(new Set(kinds.map(([type]) => type)).size, kinds.length, 'no type is listed twice');
    assert.deepEqual(Object.fromEntries(kinds), {
      AmService: 'Service',
      AssignmentFilter: 'Filter',
      Base64EncodedSecretStore: 'SecretStore',
      CacheAccessTokenResolver: 'AccessTokenResolver',
      Chain: 'Handler',
      ChainOfFilters: 'Filter',
      ClientHandler: 'Handler',
      ClientSecretBasicAuthenticationFilter: 'Filter',
      ClientSecretPostAuthenticationFilter: 'Filter',
      ConditionEnforcementFilter: 'Filter',
      ConditionalFilter: 'Filter',
      DispatchHandler: 'Handler',
      FileSystemSecretStore: 'SecretStore',
      ForgeRockClientHandler: 'Handler',
      HeaderFilter: 'Filter',
      JwkSetSecretStore: 'SecretStore',
      OAuth2ResourceServerFilter: 'Filter',
      OAuth2TokenExchangeFilter: 'Filter',
      PrivateKeyJwtClientAuthenticationFilter: 'Filter',
      ReverseProxyHandler: 'Handler',
      Router: 'Handler',
      ScriptableResourceAccess: 'ResourceAccess',
      SecretsProvider: 'SecretStore',
      SequenceHandler: 'Handler',
      StatelessAccessTokenResolver: 'AccessTokenResolver',
      StaticResponseHandler: 'Handler',
      SystemAndEnvSecretStore: 'SecretStore',
      TokenIntrospectionAccessTokenResolver: 'AccessTokenResolver',
      TransactionIdOutboundFilter: 'Filter',
    });
  });

  test('the list is frozen, and a registry made from it holds each definition as it is', () => {
    assert.ok(Object.isFrozen(builtinTypes));
    const registry = createBuiltinRegistry();
    for (const definition of builtinTypes) {
      assert.equal(registry.get(definition.type)?.definition, definition, definition.type);
    }
    assert.equal(registry.definitions.length, builtinTypes.length);
    assert.notEqual(createBuiltinRegistry(), registry, 'each gateway gets a registry of its own');
  });

  test("also answer to PingGateway's class names and documented aliases, each naming one type", () => {
    const aliases = Object.fromEntries(
      builtinTypes.filter((d) => d.aliases !== undefined).map((d) => [d.type, d.aliases]),
    );
    assert.deepEqual(aliases, {
      AmService: ['org.forgerock.openig.openam.AmServiceHeaplet'],
      AssignmentFilter: ['org.forgerock.openig.filter.AssignmentFilter'],
      Base64EncodedSecretStore: ['org.forgerock.openig.secrets.Base64EncodedSecretStore'],
      Chain: ['org.forgerock.openig.filter.ChainHandlerHeaplet'],
      ChainOfFilters: ['org.forgerock.openig.filter.ChainFilterHeaplet'],
      ClientHandler: [
        'org.forgerock.openig.handler.ClientHandlerHeaplet',
        'org.forgerock.openig.handler.ClientHandler',
      ],
      ConditionEnforcementFilter: ['org.forgerock.openig.filter.ConditionEnforcementFilter'],
      ConditionalFilter: ['org.forgerock.openig.filter.ConditionalFilterHeaplet'],
      DispatchHandler: ['org.forgerock.openig.handler.DispatchHandler'],
      FileSystemSecretStore: ['org.forgerock.openig.secrets.FileSystemSecretStoreHeaplet'],
      HeaderFilter: ['org.forgerock.openig.filter.HeaderFilter'],
      JwkSetSecretStore: ['org.forgerock.openig.secrets.JwkSetSecretStoreHeaplet'],
      OAuth2ResourceServerFilter: [
        'OAuth2RSFilter',
        'org.forgerock.openig.filter.oauth2.OAuth2ResourceServerFilter',
        'org.forgerock.openig.filter.oauth2.OAuth2ResourceServerFilterHeaplet',
      ],
      ReverseProxyHandler: ['org.forgerock.openig.handler.ReverseProxyHandlerHeaplet'],
      Router: ['RouterHandler', 'org.forgerock.openig.handler.router.RouterHandler'],
      SecretsProvider: ['org.forgerock.openig.secrets.SecretsProviderHeaplet'],
      SequenceHandler: ['org.forgerock.openig.handler.SequenceHandler'],
      StaticResponseHandler: ['org.forgerock.openig.handler.StaticResponseHandler'],
      SystemAndEnvSecretStore: ['org.forgerock.openig.secrets.SystemAndEnvSecretStoreHeaplet'],
      TransactionIdOutboundFilter: ['org.forgerock.openig.filter.TransactionIdOutboundFilterHeaplet'],
    });
    const registry = createBuiltinRegistry();
    for (const definition of builtinTypes) {
      for (const alias of definition.aliases ?? []) {
        assert.equal(registry.get(alias)?.definition, definition, alias);
      }
    }
  });

  test('the server is given the same registry maker and defaults', () => {
    assert.equal(builtins.createRegistry, createBuiltinRegistry);
    assert.equal(builtins.defaults, defaultDeclarations);
    assert.ok(Object.isFrozen(builtins) && Object.isFrozen(defaultDeclarations));
  });
});

describe('the default heap objects', () => {
  test("are PingGateway's that Tollgate has, each of its own type, resolvable without a declaration", () => {
    assert.deepEqual(defaultDeclarations, [
      { name: 'ClientHandler', type: 'ClientHandler' },
      { name: 'ForgeRockClientHandler', type: 'ForgeRockClientHandler' },
      { name: 'ReverseProxyHandler', type: 'ReverseProxyHandler' },
      { name: 'TransactionIdOutboundFilter', type: 'TransactionIdOutboundFilter' },
    ]);
    const heap = testHeap();
    for (const { name, type } of defaultDeclarations) {
      const kind = createBuiltinRegistry().get(type)?.definition.kind;
      assert.ok(kind === 'Handler' || kind === 'Filter', type);
      const object = heap.resolve<Record<string, unknown>>(name, kind, {
        file: 'routes/r.json',
        pointer: '/handler',
      });
      assert.equal(typeof object[kind === 'Handler' ? 'handle' : 'filter'], 'function', name);
    }
  });
});
