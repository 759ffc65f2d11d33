// The layering of src/, checked over every file: no import cycle (type-only imports included) and
// no import from a floor above the importer's own. It tests the whole of src/ rather than one
// file, so it sits at the root of test/unit/, as the files it places above every folder sit at
// the root of src/. docs/project-layout.md gives the same order, with the reasons.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix, relative, resolve, sep } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const src = resolve(dirname(fileURLToPath(import.meta.url)), '../../../src');

/**
 * The folders of src/, lowest first. A file may import from its own floor and the floors below;
 * the files at the root of src/ (cli.ts, index.ts, builtins.ts, json-schemas.ts) form the floor
 * above them all.
 */
const FLOORS: readonly string[] = [
  'errors',
  'config',
  'el',
  'http',
  'observability',
  'heap',
  'secrets',
  'oauth2',
  'services',
  'handlers',
  'filters',
  'router',
  'server',
];
const TOP = '(the root of src/)';

/** A file's path from src/, with forward slashes: `heap/heap.ts`. */
type SourcePath = string;

function listSources(dir: string): SourcePath[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return listSources(path);
    return entry.name.endsWith('.ts') ? [relative(src, path).split(sep).join('/')] : [];
  });
}

/**
 * The files of src/ that `file` imports: every `import`, `import type`, `export … from` and
 * `import()` with a relative specifier, as TypeScript's own scanner reads them, so comments and
 * strings are never taken for imports.
 */
function importsOf(file: SourcePath, text: string): SourcePath[] {
  return ts
    .preProcessFile(text, true, true)
    .importedFiles.map((reference) => reference.fileName)
    .filter((specifier) => specifier.startsWith('.'))
    .map((specifier) => posix.normalize(posix.join(posix.dirname(file), specifier)).replace(/\.js$/, '.ts'));
}

function floorOf(file: SourcePath): string {
  return file.includes('/') ? file.slice(0, file.indexOf('/')) : TOP;
}

function floorIndex(floor: string): number {
  return floor === TOP ? FLOORS.length : FLOORS.indexOf(floor);
}

/** Each import from a floor above the importer's own, as `from → to`. */
function upwardImports(graph: ReadonlyMap<SourcePath, readonly SourcePath[]>): string[] {
  const found: string[] = [];
  for (const [file, imports] of graph) {
    for (const imported of imports) {
      if (floorIndex(floorOf(imported)) > floorIndex(floorOf(file))) {
        found.push(`${file} → ${imported} (${floorOf(file)} sits below ${floorOf(imported)})`);
      }
    }
  }
  return found;
}

/** One cycle per back edge of a depth-first walk: none when, and only when, the graph has none. */
function importCycles(graph: ReadonlyMap<SourcePath, readonly SourcePath[]>): string[] {
  const cycles: string[] = [];
  const done = new Set<SourcePath>();
  const path: SourcePath[] = [];
  const visit = (file: SourcePath): void => {
    path.push(file);
    for (const imported of graph.get(file) ?? []) {
      const start = path.indexOf(imported);
      if (start >= 0) cycles.push([...path.slice(start), imported].join(' → '));
      else if (!done.has(imported)) visit(imported);
    }
    path.pop();
    done.add(file);
  };
  for (const file of graph.keys()) if (!done.has(file)) visit(file);
  return cycles;
}

const files = listSources(src).sort();
const graph = new Map(files.map((file) => [file, importsOf(file, readFileSync(join(src, file), 'utf8'))]));

describe('the layering of src/', () => {
  test('every folder of src/ has its floor, and every floor is a folder', () => {
    const folders = [...new Set(files.map(floorOf))].filter((floor) => floor !== TOP).sort();
    assert.deepEqual(folders, [...FLOORS].sort());
  });

  test('every relative import names a file of src/', () => {
    const known = new Set(files);
    const missing = [...graph].flatMap(([file, imports]) =>
      imports.filter((imported) => !known.has(imported)).map((imported) => `${file} → ${imported}`),
    );
    assert.deepEqual(missing, []);
  });

  test('no file imports from a floor above its own', () => {
    assert.deepEqual(upwardImports(graph), []);
  });

  test('no import cycle, type-only imports included', () => {
    assert.deepEqual(importCycles(graph), []);
  });
});

describe('the checks themselves', () => {
  test('type-only imports, re-exports and dynamic imports count; comments and strings do not', () => {
    const text = [
      "import type { A } from './a.js';",
      "export { B } from '../el/b.js';",
      "export type { C } from './c.js';",
      "const d = await import('./d.js');",
      "// import { E } from './e.js';",
      'const f = "import { F } from \'./f.js\'";',
      "import { G } from 'pino';",
    ].join('\n');
    assert.deepEqual(importsOf('http/x.ts', text), ['http/a.ts', 'el/b.ts', 'http/c.ts', 'http/d.ts']);
  });

  test('a cycle and an upward import are found', () => {
    const cyclic = new Map([
      ['heap/heap.ts', ['heap/types.ts']],
      ['heap/types.ts', ['config/schema.ts']],
      ['config/schema.ts', ['heap/heap.ts']],
    ]);
    assert.deepEqual(importCycles(cyclic), [
      'heap/heap.ts → heap/types.ts → config/schema.ts → heap/heap.ts',
    ]);
    assert.deepEqual(upwardImports(cyclic), ['config/schema.ts → heap/heap.ts (config sits below heap)']);
  });
});
