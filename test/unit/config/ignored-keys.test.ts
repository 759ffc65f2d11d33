import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ignoredKeyNotes, ignoredKeysWarning } from '../../../src/config/ignored-keys.js';

test('ignored keys are found by path, nested and in every item of a list, each with its pointer and reason', () => {
  const keys = {
    vertx: 'no Vert.x',
    'retries.executor': 'no executor',
    'connectors.*.vertx': 'no Vert.x either',
  };
  const config = {
    vertx: {},
    retries: { executor: 'x', count: 1 },
    connectors: [{ port: 1, vertx: {} }, { port: 2 }, { port: 3, vertx: null }],
  };
  assert.deepEqual(ignoredKeyNotes(config, keys, { file: 'admin.json', pointer: '/c' }), [
    '/c/vertx (no Vert.x)',
    '/c/retries/executor (no executor)',
    '/c/connectors/0/vertx (no Vert.x either)',
    '/c/connectors/2/vertx (no Vert.x either)',
  ]);
  assert.deepEqual(ignoredKeyNotes({ retries: 3, connectors: {} }, keys, { pointer: '' }), []);
  const warning = ignoredKeysWarning('admin.json', ['/vertx (no Vert.x)']);
  assert.equal(warning.code, 'TG_CONFIG_IGNORED_KEYS');
  assert.deepEqual(warning.place, { file: 'admin.json', pointer: '' });
  assert.equal(warning.detail, 'ignored, with no meaning on Node: /vertx (no Vert.x)');
});
