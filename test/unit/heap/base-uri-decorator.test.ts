import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Handler } from '../../../src/heap/types.js';
import { FILE, harness } from '../filters/harness.js';

describe('BaseUriDecorator', () => {
  test('its name is a decoration key that rebases the request before the object gets it', async () => {
    const h = harness();
    const stub = h.build<Handler>(
      [
        { name: 'to-backend', type: 'BaseUriDecorator' },
        { name: 'Stub', type: 'Stub', 'to-backend': 'https://backend.test:8443' },
      ],
      'Stub',
      'Handler',
    );
    await stub.handle(h.incoming({ url: 'http://gateway.test/a?b=c' }));
    assert.equal(h.seen[0]!.uri, 'https://backend.test:8443/a?b=c');
  });

  test('has no configuration, answers to its OpenIG class name, and a constant base is checked at load', () => {
    assert.deepEqual(
      harness().errorsOf([{ name: 'b', type: 'org.forgerock.openig.decoration.baseuri.BaseUriDecorator' }]),
      [],
    );
    assert.deepEqual(harness().errorsOf([{ name: 'b', type: 'BaseUriDecorator', config: { base: 'x' } }]), [
      `TG_CONFIG_UNKNOWN_PROPERTY ${FILE}#/heap/0/config/base`,
    ]);
    assert.deepEqual(
      harness().errorsOf([
        { name: 'b', type: 'BaseUriDecorator' },
        { name: 'Stub', type: 'Stub', b: 'not a uri' },
      ]),
      [`TG_CONFIG_BAD_VALUE ${FILE}#/heap/1/b`],
    );
  });
});
