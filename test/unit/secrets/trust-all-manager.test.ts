import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigFileReader } from '../../../src/config/file-reader.js';
import type { TollgateError } from '../../../src/errors/tollgate-error.js';
import type { TrustManager } from '../../../src/secrets/tls-material.js';
import { testHeap } from '../../fixtures/heap.js';

test('a TrustAllManager trusts everything, and says so loudly once, naming its file and place', async () => {
  const warnings: TollgateError[] = [];
  const heap = testHeap({}, { configReader: new ConfigFileReader(undefined, (w) => warnings.push(w)) });
  heap.declare([{ name: 'Everyone', type: 'TrustAllManager' }], { file: 'routes/r.json', pointer: '/heap' });
  heap.createAll();
  const manager = heap.resolve<TrustManager>('Everyone', 'TrustManager', {
    file: 'routes/r.json',
    pointer: '/x',
  });
  assert.equal(manager.trustAll, true);
  assert.deepEqual(await manager.certificates(), []);
  assert.deepEqual(
    warnings.map((w) => [w.code, w.place]),
    [['TG_CONFIG_TRUST_ALL', { file: 'routes/r.json', pointer: '/heap/0/config' }]],
  );
});
