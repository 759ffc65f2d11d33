import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { errorCatalogue } from '../../../src/errors/catalogue.js';

// dist/test/unit/errors/ → the project root.
const readme = readFileSync(new URL('../../../../README.md', import.meta.url), 'utf8');

function section(title: string): string {
  const start = readme.indexOf(`\n## ${title}\n`);
  assert.ok(start >= 0, `README has a "${title}" section`);
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}

test('the README lists every error code with its status, exposure and message, and no other', () => {
  const rows = section('Error codes')
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
