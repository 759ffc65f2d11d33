// Route files (and a few config.json files) written from PingGateway's documented examples, one per
// example, each naming its page in `comment`. Each must load as `tollgate validate` loads it, or
// fail with exactly the codes expected.json lists for it; the README's compatibility section states
// the same figure.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { validateFiles } from '../../src/index.js';
import { memoryLogger } from '../fixtures/gateway.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const fixtures = join(root, 'test/fixtures/pinggateway');

type Expectation = 'loads' | readonly string[];

const expected = JSON.parse(readFileSync(join(fixtures, 'expected.json'), 'utf8')) as Record<
  string,
  Expectation
>;

/** The route files, then each `config-json/<example>/config.json` (a config.json must be named so). */
const routeFiles = [
  ...readdirSync(fixtures).filter((name) => name.endsWith('.json') && name !== 'expected.json'),
  ...readdirSync(join(fixtures, 'config-json')).map((example) => `config-json/${example}/config.json`),
].sort();

/** The environment variables and system properties the examples read, as an operator would set them. */
const environment = {
  env: { ENABLE_TIMER: 'true' },
  system: { requestsPerSecond: '6' },
};

/** What the README must say: the figure, and each code with the number of files failing with it. */
function figure(): { files: number; loads: number; fails: number; byCode: Map<string, number> } {
  const byCode = new Map<string, number>();
  let loads = 0;
  for (const expectation of Object.values(expected)) {
    if (expectation === 'loads') loads += 1;
    else for (const code of expectation) byCode.set(code, (byCode.get(code) ?? 0) + 1);
  }
  const files = Object.keys(expected).length;
  return { files, loads, fails: files - loads, byCode };
}

describe('PingGateway documented examples', () => {
  test('expected.json names every fixture file and nothing else', () => {
    assert.deepEqual(Object.keys(expected).sort(), routeFiles);
  });

  test('every fixture names the documentation page it comes from', () => {
    for (const name of routeFiles) {
      const file = JSON.parse(readFileSync(join(fixtures, name), 'utf8')) as { comment?: unknown };
      assert.match(String(file.comment), /^https:\/\/docs\.pingidentity\.com\//, name);
    }
  });

  for (const name of routeFiles) {
    test(`${name} ${expected[name] === 'loads' ? 'loads' : 'fails as expected'}`, async () => {
      const [report] = await validateFiles([join(fixtures, name)], {
        env: environment,
        logger: memoryLogger().logger,
      });
      const codes = [...new Set(report!.errors.map((error) => error.code))].sort();
      const details = report!.errors.map((e) => `${e.code} ${e.place?.pointer ?? ''} ${e.message}`);
      const want = expected[name] === 'loads' ? [] : [...(expected[name] ?? [])].sort();
      assert.deepEqual(codes, want, details.join('\n'));
    });
  }

  test("the README's compatibility section states the figure and every failure code", () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const start = readme.indexOf('## Compatibility with PingGateway route files');
    assert.ok(start >= 0, 'README has a "Compatibility with PingGateway route files" section');
    const end = readme.indexOf('\n## ', start + 1);
    const section = readme.slice(start, end < 0 ? undefined : end);
    const { files, loads, fails, byCode } = figure();
    assert.ok(
      section.includes(`**${files} files: ${loads} load, ${fails} fail**`),
      `README states "**${files} files: ${loads} load, ${fails} fail**"`,
    );
    for (const [code, count] of byCode) {
      const line = section.split('\n').find((text) => text.includes(`\`${code}\``));
      assert.ok(line, `README explains ${code}`);
      assert.ok(line.includes(`(${count} file${count === 1 ? '' : 's'})`), `${code}: ${count} files`);
    }
  });
});
