import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { errorCatalogue } from '../../../src/errors/catalogue.js';

// dist/test/unit/errors/ → the project root; the catalogue's page is docs/errors.md.
const page = readFileSync(new URL('../../../../docs/errors.md', import.meta.url), 'utf8');

test('docs/errors.md lists every error code with its status, exposure and message, and no other', () => {
  assert.ok(page.startsWith('# Error codes\n'), 'docs/errors.md is the "Error codes" page');
  const rows = page
    .split('\n')
    .filter((line) => line.startsWith('| `TG_'))
    .map((line) =>
      line
        .slice(1, -1)
        .split(' | ')
        .map((cell) => cell.trim()),
    );
  const documented = new Map(rows.map((cells) => [cells[0]!.replaceAll('`', ''), cells]));
  assert.deepEqual([...documented.keys()].sort(), Object.keys(errorCatalogue).sort());
  for (const [code, entry] of Object.entries(errorCatalogue)) {
    const cells = documented.get(code)!;
    assert.equal(cells[1], String(entry.status), code);
    assert.equal(cells[2], entry.expose ? 'yes' : 'no', code);
    assert.equal(cells[3], entry.message, code);
  }
});
