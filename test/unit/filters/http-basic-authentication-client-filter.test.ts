import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Filter } from '../../../src/heap/types.js';
import { FILE, harness, recordingNext, run } from './harness.js';

const store = {
  name: 'store',
  type: 'Base64EncodedSecretStore',
  config: { secrets: { 'agent.password': Buffer.from('p@ss word').toString('base64') } },
};

const basicFilter = (config: Record<string, unknown>, h = harness()): Filter =>
  h.build<Filter>([store, { name: 'f', type: 'HttpBasicAuthenticationClientFilter', config }], 'f', 'Filter');

const decoded = (header: string | undefined): string =>
  Buffer.from((header ?? '').replace(/^Basic /, ''), 'base64').toString('utf8');

describe('HttpBasicAuthenticationClientFilter', () => {
  test('username, passwordSecretId and secretsProvider are required', () => {
    assert.deepEqual(
      harness().errorsOf([
        store,
        {
          name: 'f',
          type: 'HttpBasicAuthenticationClientFilter',
          config: { username: 'a', secretsProvider: 'store' },
        },
      ]),
      [`TG_CONFIG_MISSING_PROPERTY ${FILE}#/heap/1/config/passwordSecretId`],
    );
  });

  test('adds Basic credentials to the outgoing request, replacing any Authorization; not URL-encoded by default', async () => {
    const h = harness();
    const next = recordingNext();
    await run(
      basicFilter({ username: 'agent+1', passwordSecretId: 'agent.password', secretsProvider: 'store' }, h),
      h.incoming({ headers: { Authorization: 'Bearer client-token' } }),
      next,
    );
    const authorization = next.calls[0]!.request.headers.get('Authorization');
    assert.equal(authorization?.length, 1);
    assert.match(authorization[0]!, /^Basic /);
    assert.equal(decoded(authorization[0]), 'agent+1:p@ss word');
  });

  test('urlEncodeCredentials encodes each credential before base64', async () => {
    const h = harness();
    const next = recordingNext();
    await run(
      basicFilter(
        {
          username: 'agent+1',
          passwordSecretId: 'agent.password',
          secretsProvider: 'store',
          urlEncodeCredentials: true,
        },
        h,
      ),
      h.incoming(),
      next,
    );
    assert.equal(decoded(next.calls[0]!.request.headers.first('Authorization')), 'agent%2B1:p%40ss+word');
  });
});
