// Writes schemas/ from the type registry: `npm run schemas`. A unit test fails when the files
// and the registry disagree.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createBuiltinRegistry } from '../src/builtins.js';
import { buildJsonSchemas } from '../src/json-schemas.js';

const target = process.argv[2] ?? 'schemas';
await rm(target, { recursive: true, force: true });
for (const [file, schema] of Object.entries(buildJsonSchemas(createBuiltinRegistry()))) {
  const path = join(target, file);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(schema, null, 2)}\n`);
}
console.log(`wrote ${target}/`);
