import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { describePosition, positionAt } from '../../../src/config/text-position.js';

describe('positionAt', () => {
  test('lines and columns count from 1; the excerpt is the line, without its line break', () => {
    const text = 'a: 1\r\nbb: [2\r\ncc: 3\r\n';
    assert.deepEqual(positionAt(text, 0), { line: 1, column: 1, excerpt: 'a: 1', caret: 1 });
    assert.deepEqual(positionAt(text, text.indexOf('[')), {
      line: 2,
      column: 5,
      excerpt: 'bb: [2',
      caret: 5,
    });
    assert.equal(describePosition(positionAt(text, text.indexOf('cc'))), 'line 3, column 1');
  });

  test('an error at the end is shown after the last character, not on the empty line under it', () => {
    assert.deepEqual(positionAt('{"a": 1\n\n  \n', 11), { line: 1, column: 8, excerpt: '{"a": 1', caret: 8 });
    assert.deepEqual(positionAt('', 0), { line: 1, column: 1, excerpt: '', caret: 1 });
  });

  test('a tab or other control character is one space, so the caret lines up under the column', () => {
    assert.deepEqual(positionAt('\t\tx: \u0001y', 6), { line: 1, column: 7, excerpt: '  x:  y', caret: 7 });
  });

  test('a long line is cut around the column, marked with …, the caret still under it', () => {
    const line = `{"a": "${'x'.repeat(200)}", "b": }`;
    const offset = line.length - 1;
    const position = positionAt(line, offset);
    assert.equal(position.column, offset + 1);
    assert.ok(position.excerpt.startsWith('…'), position.excerpt);
    assert.ok(position.excerpt.length <= 82, position.excerpt);
    assert.equal(position.excerpt[position.caret - 1], '}');
    const start = positionAt(`${line}${line}`, 2);
    assert.ok(start.excerpt.endsWith('…') && !start.excerpt.startsWith('…'), start.excerpt);
    assert.equal(start.excerpt[start.caret - 1], 'a');
    const middle = positionAt(`${line}${line}`, line.length + 2);
    assert.ok(middle.excerpt.startsWith('…') && middle.excerpt.endsWith('…'), middle.excerpt);
    assert.equal(middle.excerpt[middle.caret - 1], 'a');
  });
});
