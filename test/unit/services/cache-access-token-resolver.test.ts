import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AccessTokenResolver } from '../../../src/oauth2/access-token.js';
import { FILE, harness, json } from '../filters/harness.js';

const delegate = {
  type: 'TokenIntrospectionAccessTokenResolver',
  config: { endpoint: 'http://as.test/i', providerHandler: 'Stub' },
};

describe('CacheAccessTokenResolver', () => {
  test("caches its delegate's answers", async () => {
    const h = harness({
      respond: () => json(200, { active: true, exp: Math.floor(Date.now() / 1000) + 60 }),
    });
    const resolver = h.build<AccessTokenResolver>(
      [
        { name: 'c', type: 'CacheAccessTokenResolver', config: { delegate, maximumSize: 5 } },
        { name: 'Stub', type: 'Stub' },
      ],
      'c',
      'AccessTokenResolver',
    );
    await resolver.resolve('t', h.incoming());
    await resolver.resolve('t', h.incoming());
    assert.equal(h.seen.length, 1);
  });

  test('enabled: false is the delegate itself', async () => {
    const h = harness({ respond: () => json(200, { active: true }) });
    const resolver = h.build<AccessTokenResolver>(
      [
        { name: 'c', type: 'CacheAccessTokenResolver', config: { delegate, enabled: false } },
        { name: 'Stub', type: 'Stub' },
      ],
      'c',
      'AccessTokenResolver',
    );
    await resolver.resolve('t', h.incoming());
    await resolver.resolve('t', h.incoming());
    assert.equal(h.seen.length, 2);
  });

  test('the notification keys are accepted and reported as ignored; bad values have a pointer', () => {
    const h = harness();
    h.build(
      [
        {
          name: 'c',
          type: 'CacheAccessTokenResolver',
          config: { delegate, onNotificationDisconnection: 'REMOVE' },
        },
        { name: 'Stub', type: 'Stub' },
      ],
      'c',
      'AccessTokenResolver',
    );
    assert.ok(h.logs.some((line) => String(line.msg).includes('onNotificationDisconnection')));
    assert.deepEqual(
      harness().errorsOf([
        { name: 'c', type: 'CacheAccessTokenResolver', config: { delegate, defaultTimeout: 'soon' } },
        { name: 'Stub', type: 'Stub' },
      ]),
      [`TG_CONFIG_BAD_DURATION ${FILE}#/heap/0/config/defaultTimeout`],
    );
  });
});
