import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { pino } from 'pino';
import { stringify as toYaml } from 'yaml';
import { builtins, builtinTypes } from '../../../src/builtins.js';
import { validateFilesWith } from '../../../src/server/validate.js';

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
