// The type list at the root of src/, so its test sits at the root of test/unit/.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { builtins, builtinTypes, createBuiltinRegistry, defaultDeclarations } from '../../src/builtins.js';
import { adminIgnoredKeys } from '../../src/server/instance.js';
import { testHeap } from '../fixtures/heap.js';

describe('the built-in types', () => {
  test('are the PingGateway types Tollgate supports, each listed once with its kind', () => {
    const kinds = builtinTypes.map((definition) => [definition.type, definition.kind]);
    assert.equal(new Set(kinds.map(([type]) => type)).size, kinds.length, 'no type is listed twice');
    assert.deepEqual(Object.fromEntries(kinds), {
      AllowOnlyFilter: 'Filter',
      AmService: 'Service',
      AssignmentFilter: 'Filter',
      AuditDecorator: 'Decorator',
      AuditService: 'AuditService',
      Base64EncodedSecretStore: 'SecretStore',
      CacheAccessTokenResolver: 'AccessTokenResolver',
      BaseUriDecorator: 'Decorator',
      CaptureDecorator: 'Decorator',
      Chain: 'Handler',
      ChainOfFilters: 'Filter',
      ClientHandler: 'Handler',
      ClientCredentialsOAuth2ClientFilter: 'Filter',
      ClientSecretBasicAuthenticationFilter: 'Filter',
      ClientSecretPostAuthenticationFilter: 'Filter',
      ClientTlsOptions: 'TlsOptions',
      ConditionEnforcementFilter: 'Filter',
      ConditionalFilter: 'Filter',
      CookieFilter: 'Filter',
      CorsFilter: 'Filter',
      CustomProxyOptions: 'ProxyOptions',
      DefaultRateThrottlingPolicy: 'ThrottlingPolicy',
      DispatchHandler: 'Handler',
      EntityExtractFilter: 'Filter',
      FileSystemSecretStore: 'SecretStore',
      ForgeRockClientHandler: 'Handler',
      HeaderFilter: 'Filter',
      HttpBasicAuthenticationClientFilter: 'Filter',
      InMemorySessionManager: 'SessionManager',
      JwkSetSecretStore: 'SecretStore',
      JwtBuilderFilter: 'Filter',
      OAuth2ResourceServerFilter: 'Filter',
      JwtSession: 'SessionManager',
      JwtValidationFilter: 'Filter',
      LocationHeaderFilter: 'Filter',
      MappedThrottlingPolicy: 'ThrottlingPolicy',
      NoProxyOptions: 'ProxyOptions',
      NoOpAuditService: 'AuditService',
      OAuth2TokenExchangeFilter: 'Filter',
      PrivateKeyJwtClientAuthenticationFilter: 'Filter',
      RedisExchangeCache: 'Service',
      ReverseProxyHandler: 'Handler',
      Router: 'Handler',
      ScriptableAccessTokenResolver: 'AccessTokenResolver',
      ScriptableFilter: 'Filter',
      ScriptableHandler: 'Handler',
      ScriptableResourceAccess: 'ResourceAccess',
      SecretsKeyManager: 'KeyManager',
      SecretsProvider: 'SecretStore',
      SecretsTrustManager: 'TrustManager',
      SequenceHandler: 'Handler',
      StatelessAccessTokenResolver: 'AccessTokenResolver',
      StaticRequestFilter: 'Filter',
      PasswordReplayFilter: 'Filter',
      StaticResponseHandler: 'Handler',
      SwitchFilter: 'Filter',
      SystemAndEnvSecretStore: 'SecretStore',
      TokenIntrospectionAccessTokenResolver: 'AccessTokenResolver',
      SystemProxyOptions: 'ProxyOptions',
      TemporaryStorage: 'Service',
      TimerDecorator: 'Decorator',
      ThrottlingFilter: 'Filter',
      TransactionIdOutboundFilter: 'Filter',
      TrustAllManager: 'TrustManager',
      UriPathRewriteFilter: 'Filter',
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
      AuditDecorator: ['org.forgerock.openig.decoration.audit.AuditDecorator'],
      AssignmentFilter: ['org.forgerock.openig.filter.AssignmentFilter'],
      AuditService: ['org.forgerock.openig.audit.AuditServiceObjectHeaplet'],
      Base64EncodedSecretStore: ['org.forgerock.openig.secrets.Base64EncodedSecretStore'],
      BaseUriDecorator: ['org.forgerock.openig.decoration.baseuri.BaseUriDecorator'],
      CaptureDecorator: ['org.forgerock.openig.decoration.capture.CaptureDecorator'],
      Chain: ['org.forgerock.openig.filter.ChainHandlerHeaplet'],
      ChainOfFilters: ['org.forgerock.openig.filter.ChainFilterHeaplet'],
      ClientHandler: [
        'org.forgerock.openig.handler.ClientHandlerHeaplet',
        'org.forgerock.openig.handler.ClientHandler',
      ],
      ConditionEnforcementFilter: ['org.forgerock.openig.filter.ConditionEnforcementFilter'],
      ConditionalFilter: ['org.forgerock.openig.filter.ConditionalFilterHeaplet'],
      CookieFilter: ['org.forgerock.openig.filter.CookieFilter'],
      CorsFilter: ['org.forgerock.openig.filter.CorsFilterHeaplet'],
      DefaultRateThrottlingPolicy: [
        'org.forgerock.openig.filter.throttling.DefaultRateThrottlingPolicyHeaplet',
      ],
      DispatchHandler: ['org.forgerock.openig.handler.DispatchHandler'],
      EntityExtractFilter: ['org.forgerock.openig.filter.EntityExtractFilter'],
      FileSystemSecretStore: ['org.forgerock.openig.secrets.FileSystemSecretStoreHeaplet'],
      HeaderFilter: ['org.forgerock.openig.filter.HeaderFilter'],
      HttpBasicAuthenticationClientFilter: [
        'org.forgerock.openig.filter.HttpBasicAuthenticationClientFilterHeaplet',
      ],
      JwkSetSecretStore: ['org.forgerock.openig.secrets.JwkSetSecretStoreHeaplet'],
      OAuth2ResourceServerFilter: [
        'OAuth2RSFilter',
        'org.forgerock.openig.filter.oauth2.OAuth2ResourceServerFilter',
        'org.forgerock.openig.filter.oauth2.OAuth2ResourceServerFilterHeaplet',
      ],
      JwtSession: ['JwtSessionManager', 'org.forgerock.openig.jwt.JwtSessionManager'],
      LocationHeaderFilter: ['org.forgerock.openig.filter.LocationHeaderFilter'],
      MappedThrottlingPolicy: ['org.forgerock.openig.filter.throttling.MappedThrottlingPolicyHeaplet'],
      NoOpAuditService: ['org.forgerock.openig.audit.NoOpAuditService'],
      ReverseProxyHandler: ['org.forgerock.openig.handler.ReverseProxyHandlerHeaplet'],
      Router: ['RouterHandler', 'org.forgerock.openig.handler.router.RouterHandler'],
      ScriptableAccessTokenResolver: ['org.forgerock.openig.filter.oauth2.ScriptableAccessTokenResolver'],
      ScriptableFilter: ['org.forgerock.openig.filter.ScriptableFilter'],
      ScriptableHandler: ['org.forgerock.openig.handler.ScriptableHandler'],
      SecretsProvider: ['org.forgerock.openig.secrets.SecretsProviderHeaplet'],
      SequenceHandler: ['org.forgerock.openig.handler.SequenceHandler'],
      StaticRequestFilter: ['org.forgerock.openig.filter.StaticRequestFilter'],
      JwtBuilderFilter: ['org.forgerock.openig.filter.JwtBuilderFilter'],
      PasswordReplayFilter: [
        'org.forgerock.openig.filter.PasswordReplayFilter',
        'org.forgerock.openig.filter.PasswordReplayFilterHeaplet',
      ],
      StaticResponseHandler: ['org.forgerock.openig.handler.StaticResponseHandler'],
      SwitchFilter: ['org.forgerock.openig.filter.SwitchFilter'],
      SystemAndEnvSecretStore: ['org.forgerock.openig.secrets.SystemAndEnvSecretStoreHeaplet'],
      TemporaryStorage: ['org.forgerock.openig.io.TemporaryStorageHeaplet'],
      TimerDecorator: ['org.forgerock.openig.decoration.timer.TimerDecorator'],
      ThrottlingFilter: ['org.forgerock.openig.filter.throttling.ThrottlingFilterHeaplet'],
      TransactionIdOutboundFilter: ['org.forgerock.openig.filter.TransactionIdOutboundFilterHeaplet'],
      TrustAllManager: ['org.forgerock.openig.security.TrustAllManager'],
      UriPathRewriteFilter: ['org.forgerock.openig.filter.UriPathRewriteFilter'],
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
    const heap = testHeap();
    const place = { file: 'routes/r.json', pointer: '/handler' };
    const audit = heap.resolve<{ auditsAccess: boolean }>('AuditService', 'AuditService', place);
    assert.equal(audit.auditsAccess, false, 'the default AuditService records nothing');
    const storage = heap.resolve<Record<string, unknown>>('TemporaryStorage', 'Service', place);
    assert.deepEqual(
      [storage.initialLength, storage.memoryLimit, storage.fileLimit],
      [8192, 65536, 1073741824],
      "PingGateway's defaults",
    );
    const method = {
      Handler: 'handle',
      Filter: 'filter',
      Decorator: 'decorate',
      ProxyOptions: 'load',
    } as const;
    for (const { name, type } of defaultDeclarations) {
      const kind = createBuiltinRegistry().get(type)?.definition.kind;
      if (kind === 'AuditService' || kind === 'Service') continue;
      assert.ok(
        kind === 'Handler' || kind === 'Filter' || kind === 'Decorator' || kind === 'ProxyOptions',
        type,
      );
      const object = heap.resolve<Record<string, unknown>>(name, kind, {
        file: 'routes/r.json',
        pointer: '/handler',
      });
      assert.equal(typeof object[method[kind]], 'function', name);
    }
  });
});

describe('the keys accepted and ignored', () => {
  test("are the README's list, each with its types and its reason", () => {
    const readme = readFileSync(
      resolve(dirname(fileURLToPath(import.meta.url)), '../../../README.md'),
      'utf8',
    );
    const section = readme.split('## Keys accepted and ignored')[1]!.split('\n## ')[0]!;
    const listed = section
      .split('\n')
      .map((line) => /^\| `([^`]+)` +\| ([^|]+?) +\| (.+?) +\|$/.exec(line))
      .filter((match) => match !== null)
      .flatMap(([, key, types, reason]) =>
        types!.split(', ').map((type) => `${type} ${key}: ${reason!.replaceAll('`', '')}`),
      );
    const declared = [
      ...builtinTypes.flatMap((definition) =>
        Object.entries(definition.ignoredKeys ?? {}).map(
          ([key, reason]) => `${definition.type} ${key}: ${reason}`,
        ),
      ),
      ...Object.entries(adminIgnoredKeys).map(([key, reason]) => `admin.json ${key}: ${reason}`),
    ];
    assert.ok(declared.length > 0);
    assert.deepEqual([...listed].sort(), [...declared].sort());
  });
});

describe("the README's table of types", () => {
  test('lists every type under its kind, and nothing else', () => {
    const readme = readFileSync(
      resolve(dirname(fileURLToPath(import.meta.url)), '../../../README.md'),
      'utf8',
    );
    const section = readme.split('\n## Types\n')[1]!.split('\n## ')[0]!;
    const listed = section
      .split('\n')
      .map((line) => /^\| (\w+) +\| ([\w, ]+?) +\|$/.exec(line))
      .filter((match): match is RegExpExecArray => match !== null && match[1] !== 'kind')
      .flatMap(([, kind, types]) => types!.split(', ').map((type) => `${kind} ${type}`))
      .sort();
    const registered = builtinTypes.map(({ kind, type }) => `${kind} ${type}`).sort();
    assert.deepEqual(listed, registered);
  });
});

describe('docs/types.md', () => {
  test('names every type that has no other name, and no other', () => {
    const page = readFileSync(
      resolve(dirname(fileURLToPath(import.meta.url)), '../../../docs/types.md'),
      'utf8',
    );
    const sentence = page.split('Known by their short names only')[1]!.split('\n\n')[0]!;
    const listed = sentence
      .slice(sentence.indexOf(':') + 1)
      .replace(/\.\s*$/, '')
      .split(',')
      .map((name) => name.trim())
      .sort();
    const shortOnly = builtinTypes
      .filter((definition) => (definition.aliases ?? []).length === 0)
      .map((definition) => definition.type)
      .sort();
    assert.deepEqual(listed, shortOnly);
  });
});
