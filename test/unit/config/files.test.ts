import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isRouteFileName } from '../../../src/config/files.js';

test('route files are JSON and YAML files, whatever the case of the extension', () => {
  for (const name of ['10-api.json', 'api.yaml', 'api.yml', 'API.JSON', 'a.b.json', 'x#.json']) {
    assert.equal(isRouteFileName(name), true, name);
  }
});

test('hidden files, editor temporaries and other extensions are not route files', () => {
  for (const name of [
    '.x.json',
    '.#x.json',
    '#x.json#',
    'x.json~',
    '.x.json.swp',
    'x.json.swp',
    'x.json.bak',
    'x.json.orig',
    'README.md',
    'json',
    '.json',
  ]) {
    assert.equal(isRouteFileName(name), false, name);
  }
});
