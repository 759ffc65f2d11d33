import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { pino } from 'pino';
import { stringify as toYaml } from 'yaml';
import { builtins, builtinTypes } from '../../../src/builtins.js';
import { TypeRegistry } from '../../../src/heap/registry.js';
import { validateFilesWith } from '../../../src/server/validate.js';
import { probeType } from '../../fixtures/probe.js';

/**
 * Route files built from the types' own schemas — real type names and keys, with values that
 * mix expressions, tokens, regexes, references and plain junk — written as JSON or as YAML
 * (where a value used twice becomes an anchor and an alias). Whatever the file, validate (the
 * same reader and builder the gateway uses) must answer with coded errors or none: never an
 * exception, never an error without its own code.
 */

const typeNames = builtinTypes.map((t) => t.type);
const keysOf = new Map(
  builtinTypes.map((t) => [t.type, Object.keys((t.schema.properties ?? {}) as Record<string, unknown>)]),
);

const fragments = fc.constantFrom(
  '${',
  '#{',
  '&{',
  '}',
  "'",
  '"',
  '\\',
  '|',
  "find(request.uri.path, '^/a')",
  "matches(request.headers['X'][0], '(a+)+$')",
  "split(request.entity.string, ',')",
  'request.entity.json.a',
  'contexts.oauth2TokenExchange.issuedToken',
  '(?=x)',
  '\\1',
  '[^]',
  'a{99999}',
  'env.HOME',
  'urlDecode(request.uri.rawQuery)',
  'x.y.z',
  ' and ',
  ' ? ',
  ':',
  '10 seconds',
  'http://127.0.0.1:1/',
  'ReverseProxyHandler',
);
const text = fc.oneof(
  fc.array(fragments, { maxLength: 8 }).map((parts) => parts.join('')),
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
);
const scalar = fc.oneof(text, fc.integer(), fc.double(), fc.boolean(), fc.constant(null));

const { value } = fc.letrec<{ value: unknown; declaration: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(text, tie('value'), { maxKeys: 4 }),
    tie('declaration'),
  ),
  declaration: fc
    .tuple(fc.constantFrom(...typeNames, 'NoSuchType', 'org.forgerock.openig.handler.Chain'), fc.boolean())
    .chain(([type, named]) =>
      fc.record(
        {
          type: fc.constant(type),
          name: named ? text : fc.constant(undefined),
          config: fc.dictionary(fc.constantFrom(...(keysOf.get(type) ?? ['x']), 'stauts'), tie('value'), {
            maxKeys: 5,
          }),
        },
        { requiredKeys: ['type'] },
      ),
    ),
}));

const route = fc.record(
  {
    name: text,
    condition: fc.oneof(text, fc.boolean()),
    handler: fc.oneof(text, value),
    heap: fc.array(value, { maxLength: 4 }),
    properties: fc.dictionary(text, fc.oneof(text, fc.dictionary(text, text, { maxKeys: 2 })), {
      maxKeys: 3,
    }),
    baseURI: text,
    capture: fc.oneof(text, fc.array(text, { maxLength: 3 })),
    _comment: value,
  },
  { requiredKeys: [] },
);

let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tollgate-fuzz-'));
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('any route file gets coded errors or none, never an exception', async () => {
  const seed = Date.now();
  const samples = fc.sample(fc.tuple(route, fc.boolean(), fc.boolean()), { numRuns: 400, seed });
  const contents = new Map<string, string>();
  for (const [index, [document, asYaml, shared]] of samples.entries()) {
    // The same object twice: YAML writes it once as an anchor and then as an alias.
    const content = asYaml
      ? toYaml(shared ? { ...document, _again: document.handler, _twice: document.handler } : document)
      : JSON.stringify(document);
    const file = join(dir, `route-${String(index).padStart(3, '0')}.${asYaml ? 'yaml' : 'json'}`);
    contents.set(file, content);
    await writeFile(file, content);
  }
  const reports = await validateFilesWith(builtins, [dir], {
    env: { env: {}, system: {} },
    logger: pino({ level: 'silent' }),
  });
  assert.equal(reports.length, samples.length);
  let coded = 0;
  for (const report of reports) {
    for (const error of report.errors) {
      const context = `seed ${seed}, ${report.file}: ${error.message}\n${contents.get(report.file)}`;
      assert.match(error.code, /^TG_/, context);
      assert.notEqual(error.code, 'TG_CONFIG_BUILD_FAILED', context);
      assert.equal(error.place?.file, report.file, context);
      coded++;
    }
  }
  console.log(`${reports.length} generated route files: ${coded} coded errors, no exception`);
});

describe('validate checks a config directory as start loads it', () => {
  const quiet = { env: { env: {}, system: {} }, logger: pino({ level: 'silent' }) };
  let instance: string;

  /** Writes `files` (path → JSON value) under a new directory and returns it. */
  async function write(files: Record<string, unknown>): Promise<string> {
    const base = await mkdtemp(join(tmpdir(), 'tollgate-validate-'));
    for (const [path, content] of Object.entries(files)) {
      await mkdir(dirname(join(base, path)), { recursive: true });
      await writeFile(join(base, path), typeof content === 'string' ? content : JSON.stringify(content));
    }
    return base;
  }

  /** "file: CODE #pointer" for each error, "file: ok" for a file with none; files relative to `base`. */
  async function outcome(base: string, paths: string[], types = builtins): Promise<string[]> {
    const reports = await validateFilesWith(types, paths, quiet);
    return reports.flatMap((report) => {
      const file = relative(base, report.file);
      if (report.errors.length === 0) return [`${file}: ok`];
      return report.errors.map((e) => `${file}: ${e.code} #${e.place?.pointer}`);
    });
  }

  const shared = { type: 'StaticResponseHandler', config: { status: 200, entity: 'shared' } };

  before(async () => {
    instance = await write({
      'admin.json': { properties: { greeting: 'hello' }, connectors: [{ port: 0 }] },
      'config.json': { heap: [{ name: 'Shared', ...shared }], properties: { code: 201 } },
      // A heap object and properties of config.json and admin.json, as the gateway serves them.
      'routes/10-uses-heap.json': {
        handler: { type: 'Chain', config: { filters: [], handler: 'Shared' } },
      },
      'routes/20-uses-properties.json': {
        handler: { type: 'StaticResponseHandler', config: { status: '&{code}', entity: '&{greeting}' } },
      },
      'routes/30-typo.json': { handler: { type: 'StaticResponseHandler', config: { stauts: 200 } } },
    });
  });

  after(async () => {
    await rm(instance, { recursive: true, force: true });
  });

  test('admin.json, config.json and every route, each route in config.json’s heap with the properties', async () => {
    assert.deepEqual(await outcome(instance, [instance]), [
      'admin.json: ok',
      'config.json: ok',
      'routes/10-uses-heap.json: ok',
      'routes/20-uses-properties.json: ok',
      'routes/30-typo.json: TG_CONFIG_UNKNOWN_PROPERTY #/handler/config/stauts',
    ]);
  });

  test('a route file or the routes directory named alone sees its config directory', async () => {
    assert.deepEqual(
      await outcome(instance, [join(instance, 'routes', '10-uses-heap.json'), join(instance, 'routes')]),
      [
        'routes/10-uses-heap.json: ok',
        'routes/10-uses-heap.json: ok',
        'routes/20-uses-properties.json: ok',
        'routes/30-typo.json: TG_CONFIG_UNKNOWN_PROPERTY #/handler/config/stauts',
      ],
    );
  });

  test('a warning is given with its file, once however often the file is read, and the file passes', async () => {
    const trailing = (value: unknown): string => `// as PingGateway reads it\n${JSON.stringify(value)}\n}\n`;
    const base = await write({
      'admin.json': trailing({ connectors: [{ port: 0 }] }),
      'config.json': trailing({ heap: [{ name: 'Shared', ...shared }] }),
      'routes/a.json': trailing({ handler: 'Shared' }),
    });
    try {
      const route = join(base, 'routes', 'a.json');
      const reports = await validateFilesWith(builtins, [base, route], quiet);
      assert.deepEqual(
        reports.map((report) => [
          relative(base, report.file),
          report.errors.length,
          report.warnings.map((warning) => `${warning.code} line ${warning.source?.line}`),
        ]),
        [
          ['admin.json', 0, ['TG_CONFIG_TRAILING_CONTENT line 3']],
          ['config.json', 0, ['TG_CONFIG_TRAILING_CONTENT line 3']],
          ['routes/a.json', 0, ['TG_CONFIG_TRAILING_CONTENT line 3']],
          ['routes/a.json', 0, ['TG_CONFIG_TRAILING_CONTENT line 3']],
        ],
      );
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });

  test('the instance in a config/ sub-folder, as start finds it', async () => {
    const base = await write({
      'config/config.json': { heap: [{ name: 'Shared', ...shared }] },
      'config/routes/a.json': { handler: 'Shared' },
    });
    try {
      assert.deepEqual(await outcome(base, [base]), ['config/config.json: ok', 'config/routes/a.json: ok']);
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });

  test("the routes of config.json's Router are those of its directory", async () => {
    const base = await write({
      'config.json': { handler: { type: 'Router', name: '_router', config: { directory: 'rules' } } },
      'rules/a.json': { handler: { ...shared, condition: true } },
      'routes/ignored.json': { nonsense: true },
    });
    try {
      assert.deepEqual(await outcome(base, [base]), [
        'config.json: ok',
        'rules/a.json: TG_CONFIG_UNKNOWN_PROPERTY #/handler/condition',
      ]);
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });

  test('a directory with only a routes folder is a config directory too', async () => {
    const base = await write({ 'routes/typo.json': { handler: { ...shared, condition: true } } });
    try {
      assert.deepEqual(await outcome(base, [base]), [
        'routes/typo.json: TG_CONFIG_UNKNOWN_PROPERTY #/handler/condition',
      ]);
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });

  test('types named by class name or alias validate as their short names do, typos in their config included', async () => {
    const base = await write({
      'config.json': {
        heap: [{ name: 'store', type: 'org.forgerock.openig.secrets.SystemAndEnvSecretStoreHeaplet' }],
        handler: { type: 'RouterHandler', config: { directory: 'routes' } },
      },
      'routes/classes.json': {
        handler: {
          type: 'org.forgerock.openig.filter.ChainHandlerHeaplet',
          config: {
            filters: [
              { type: 'org.forgerock.openig.filter.HeaderFilter', config: { messageType: 'RESPONSE' } },
            ],
            handler: { type: 'org.forgerock.openig.handler.StaticResponseHandler', config: { status: 200 } },
          },
        },
      },
      'routes/typo.json': {
        handler: { type: 'org.forgerock.openig.handler.StaticResponseHandler', config: { stauts: 200 } },
      },
    });
    try {
      assert.deepEqual(await outcome(base, [base]), [
        'config.json: ok',
        'routes/classes.json: ok',
        'routes/typo.json: TG_CONFIG_UNKNOWN_PROPERTY #/handler/config/stauts',
      ]);
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });

  test('admin.json’s gatewayUnits is checked: a whole number from 1 to 256', async () => {
    for (const [units, expected] of [
      [4, 'admin.json: ok'],
      [0, 'admin.json: TG_CONFIG_SCHEMA #/gatewayUnits'],
      [257, 'admin.json: TG_CONFIG_SCHEMA #/gatewayUnits'],
      ['all', 'admin.json: TG_CONFIG_SCHEMA #/gatewayUnits'],
    ] as const) {
      const base = await write({ 'admin.json': { gatewayUnits: units } });
      try {
        assert.deepEqual(await outcome(base, [join(base, 'admin.json')]), [expected], String(units));
      } finally {
        await rm(base, { recursive: true, force: true });
      }
    }
  });

  test("config.json's heap is built: an unknown type or key there is an error, every one listed", async () => {
    const base = await write({
      'config.json': {
        heap: [
          { name: 'A', type: 'NoSuchType' },
          { name: 'B', type: 'StaticResponseHandler', config: { stauts: 200 } },
        ],
      },
    });
    try {
      assert.deepEqual(await outcome(base, [join(base, 'config.json')]), [
        'config.json: TG_CONFIG_UNKNOWN_TYPE #/heap/0/type',
        'config.json: TG_CONFIG_UNKNOWN_PROPERTY #/heap/1/config/stauts',
      ]);
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });

  test("a route named alone reports its config.json's errors too, once; a file named alone is all that is reported", async () => {
    const base = await write({
      'admin.json': {},
      'config.json': { heap: [{ name: 'A', type: 'NoSuchType' }] },
      'routes/a.json': { handler: shared },
      'routes/b.json': { handler: shared },
    });
    try {
      assert.deepEqual(await outcome(base, [join(base, 'routes/a.json'), join(base, 'routes/b.json')]), [
        'config.json: TG_CONFIG_UNKNOWN_TYPE #/heap/0/type',
        'routes/a.json: ok',
        'routes/b.json: ok',
      ]);
      assert.deepEqual(await outcome(base, [join(base, 'admin.json')]), ['admin.json: ok']);
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });

  test('every error of a route file is listed, not only the first', async () => {
    const base = await write({
      'r.json': {
        heap: [{ name: 'A', type: 'NoSuchType' }],
        condition: '${request.}',
        handler: { type: 'StaticResponseHandler', config: { status: 'two hundred' } },
      },
    });
    try {
      assert.deepEqual(await outcome(base, [base]), [
        'r.json: TG_CONFIG_BAD_VALUE #/handler/config/status',
        'r.json: TG_CONFIG_BAD_EXPRESSION #/condition',
        'r.json: TG_CONFIG_UNKNOWN_TYPE #/heap/0/type',
      ]);
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });

  test('two files with one route name: the later one, in the route directory’s order, is refused', async () => {
    const base = await write({
      'routes/a.json': { name: 'same', handler: shared },
      'routes/b.json': { name: 'same', handler: shared },
      'admin.json': {},
    });
    try {
      const expected = ['routes/a.json: ok', 'routes/b.json: TG_CONFIG_DUPLICATE_NAME #/name'];
      assert.deepEqual(await outcome(base, [base]), ['admin.json: ok', ...expected]);
      assert.deepEqual(
        await outcome(base, [join(base, 'routes/a.json'), join(base, 'routes/b.json')]),
        expected,
      );
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });

  test('nothing is started, and every object built is stopped', async () => {
    const events: string[] = [];
    const probed = {
      createRegistry: () => TypeRegistry.create([...builtinTypes, probeType(events)]),
      defaults: [],
    };
    const base = await write({
      'config.json': { heap: [{ name: 'P', type: 'Probe', config: { label: 'config' } }] },
      'routes/a.json': { handler: { type: 'Probe', config: { label: 'route' } } },
    });
    try {
      assert.deepEqual(await outcome(base, [base], probed), ['config.json: ok', 'routes/a.json: ok']);
      assert.deepEqual(events.sort(), ['stop config', 'stop route']);
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });
});
