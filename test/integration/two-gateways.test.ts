// Two gateways in one process, as these tests and an embedding application run them: each must
// build with its own ajv and match with its own regex cache (no module-level mutable state).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { request } from 'undici';
import { declarationSchema, type JsonSchema } from '../../src/config/schema.js';
import { SchemaCompiler } from '../../src/config/validate.js';
import { PatternCache } from '../../src/el/regex.js';
import { routeSchema } from '../../src/router/route.js';
import { adminSchema, gatewayConfigSchema } from '../../src/server/instance.js';
import { startTestGateway, type TestGateway } from '../fixtures/gateway.js';

interface Seen {
  compilers: Set<SchemaCompiler>;
  schemas: Set<JsonSchema>;
  caches: Set<PatternCache>;
}

const seen = (): Seen => ({ compilers: new Set(), schemas: new Set(), caches: new Set() });
let current = seen();
const compile = SchemaCompiler.prototype.compile;
const lookUp = PatternCache.prototype.get;

const instance = {
  // A route whose pattern is computed goes through the function table's cache on every request.
  routes: {
    'probe.json': {
      heap: [{ name: 'probe', type: 'StaticResponseHandler', config: { status: 200, entity: 'probe' } }],
      condition: "${find(request.uri.path, '^/'.concat('probe'))}",
      handler: 'probe',
    },
  },
  files: {
    'admin.json': { properties: { greeting: 'hello' } },
    'config.json': {
      heap: [{ name: 'fallback', type: 'StaticResponseHandler', config: { status: 404 } }],
      handler: { type: 'Router', config: { defaultHandler: 'fallback' } },
    },
  },
};

let gateways: { gateway: TestGateway; seen: Seen }[] = [];

before(async () => {
  SchemaCompiler.prototype.compile = function (this: SchemaCompiler, schema: JsonSchema) {
    current.compilers.add(this);
    current.schemas.add(schema);
    return compile.call(this, schema);
  };
  PatternCache.prototype.get = function (this: PatternCache, pattern: string) {
    current.caches.add(this);
    return lookUp.call(this, pattern);
  };
  for (let i = 0; i < 2; i++) {
    current = seen();
    const gateway = await startTestGateway(instance);
    const res = await request(`${gateway.url}/probe`);
    assert.equal(await res.body.text(), 'probe');
    gateways.push({ gateway, seen: current });
  }
});

after(async () => {
  SchemaCompiler.prototype.compile = compile;
  PatternCache.prototype.get = lookUp;
  await Promise.all(gateways.map(({ gateway }) => gateway.close()));
  gateways = [];
});

test('each gateway compiles every schema (types, admin.json, config.json, routes, declarations) with its own ajv', () => {
  const [first, second] = gateways.map((g) => g.seen);
  for (const { compilers, schemas } of [first!, second!]) {
    assert.equal(compilers.size, 1);
    for (const schema of [adminSchema, gatewayConfigSchema, routeSchema, declarationSchema]) {
      assert.ok(schemas.has(schema));
    }
  }
  assert.notEqual([...first!.compilers][0], [...second!.compilers][0]);
});

test('each gateway matches computed patterns through its own regex cache', () => {
  const [first, second] = gateways.map((g) => g.seen);
  assert.equal(first!.caches.size, 1);
  assert.equal(second!.caches.size, 1);
  assert.notEqual([...first!.caches][0], [...second!.caches][0]);
});
