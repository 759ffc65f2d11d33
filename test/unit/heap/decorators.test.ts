import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Filter, Handler } from '../../../src/heap/types.js';
import { Base64EncodedSecretStore } from '../../../src/secrets/base64-encoded-secret-store.js';
import { FILE, harness, recordingNext, run } from '../filters/harness.js';

/** A Stub named "Stub" with `decorations` on it, built in a fresh harness. */
function decoratedStub(decorations: Record<string, unknown>, options: Parameters<typeof harness>[0] = {}) {
  const h = harness(options);
  const stub = h.build<Handler>([{ name: 'Stub', type: 'Stub', ...decorations }], 'Stub', 'Handler');
  return { h, stub };
}

describe('capture', () => {
  test('on a handler: the request on its way in, the response on its way out, with its name and transaction', async () => {
    const h = harness();
    const answer = h.build<Handler>(
      [{ name: 'Answer', type: 'StaticResponseHandler', capture: 'all', config: { status: 201 } }],
      'Answer',
      'Handler',
    );
    await answer.handle(h.incoming({ method: 'GET', url: 'http://gateway.test/a?page=2' }));
    const captured = h.logs.filter((l) => l.capture !== undefined);
    assert.deepEqual(
      captured.map((l) => [l.object, l.capture, l.transactionId, l.msg]),
      [
        ['Answer', 'request', 'tx-1', 'captured request'],
        ['Answer', 'response', 'tx-1', 'captured response'],
      ],
    );
    assert.deepEqual(captured[0]!.request, {
      method: 'GET',
      uri: 'http://gateway.test/a?page=2',
      headers: {},
    });
    assert.deepEqual(captured[1]!.response, { status: 201, headers: {} });
  });

  test('points are named in any case; "none" turns capture off, even beside others', async () => {
    const points = async (capture: unknown): Promise<unknown[]> => {
      const { h, stub } = decoratedStub({ capture });
      await stub.handle(h.incoming());
      return h.logs.filter((l) => l.capture !== undefined).map((l) => l.capture);
    };
    assert.deepEqual(await points('RESPONSE'), ['response']);
    assert.deepEqual(await points(['Request']), ['request']);
    assert.deepEqual(await points(['all', 'none']), []);
    assert.deepEqual(await points([]), []);
  });

  test('an unknown capture point is a config error at the point', () => {
    const errorsOf = (capture: unknown): string[] =>
      harness().errorsOf([{ name: 'Stub', type: 'Stub', capture }]);
    assert.deepEqual(errorsOf('requests'), [`TG_CONFIG_BAD_VALUE ${FILE}#/heap/0/capture`]);
    assert.deepEqual(errorsOf(['request', 'respones']), [`TG_CONFIG_BAD_VALUE ${FILE}#/heap/0/capture/1`]);
    assert.deepEqual(errorsOf(7), [`TG_CONFIG_SCHEMA ${FILE}#/heap/0/capture`]);
  });

  test('on a filter: the request it gets and the one it passes on, the response it gets and the one it returns', async () => {
    const h = harness();
    const filter = h.build<Filter>(
      [
        {
          name: 'AddHeader',
          type: 'HeaderFilter',
          capture: ['filtered_request', 'response'],
          config: { messageType: 'RESPONSE', add: { 'X-Added': ['yes'] } },
        },
      ],
      'AddHeader',
      'Filter',
    );
    await run(filter, h.incoming());
    const captured = h.logs.filter((l) => l.capture !== undefined);
    assert.deepEqual(
      captured.map((l) => l.capture),
      ['filtered_request', 'response'],
    );
    assert.deepEqual(captured[1]!.response, { status: 200, headers: { 'X-Added': ['yes'] } });
  });

  test('credentials in a captured response are redacted, and no body is ever logged', async () => {
    const h = harness();
    const answer = h.build<Handler>(
      [
        {
          name: 'Answer',
          type: 'StaticResponseHandler',
          capture: 'all',
          config: {
            headers: { 'Set-Cookie': ['session=s3cret-cookie'], 'X-Kept': ['kept'] },
            entity: 'access_token=s3cret-body',
          },
        },
      ],
      'Answer',
      'Handler',
    );
    await answer.handle(h.incoming({ body: 'client_secret=s3cret-request' }));
    const response = h.logs.find((l) => l.capture === 'response')!.response;
    assert.deepEqual(response, {
      status: 200,
      headers: { 'Set-Cookie': ['[REDACTED]'], 'X-Kept': ['kept'], 'Content-Length': ['24'] },
    });
    assert.doesNotMatch(h.raw.join('\n'), /s3cret/);
  });
});

describe('timer', () => {
  const timed = async (timer: unknown, env: Record<string, string> = {}): Promise<number> => {
    const { h, stub } = decoratedStub({ timer }, { env });
    await stub.handle(h.incoming());
    return h.logs.filter((l) => l.msg === 'elapsed time' && l.object === 'Stub').length;
  };

  test('true, "true" or a configuration expression that gives either logs the elapsed time; false does not', async () => {
    assert.equal(await timed(true), 1);
    assert.equal(await timed('true'), 1);
    assert.equal(await timed('${true}'), 1);
    // Environment variables are strings: "true" from the environment turns the timer on too.
    assert.equal(await timed("${env['TIMER']}", { TIMER: 'true' }), 1);
    assert.equal(await timed(false), 0);
    assert.equal(await timed("${env['TIMER']}", { TIMER: 'false' }), 0);
  });

  test('the time is logged when the handler fails too, and on a filter', async () => {
    const h = harness({
      respond: () => {
        throw new Error('backend exploded');
      },
    });
    const stub = h.build<Handler>([{ name: 'Stub', type: 'Stub', timer: true }], 'Stub', 'Handler');
    await assert.rejects(stub.handle(h.incoming()), /backend exploded/);
    const line = h.logs.find((l) => l.msg === 'elapsed time');
    assert.equal(typeof line?.elapsedMs, 'number');

    const filter = h.build<Filter>(
      [{ name: 'F', type: 'HeaderFilter', timer: true, config: { messageType: 'REQUEST' } }],
      'F',
      'Filter',
    );
    await run(filter, h.incoming());
    assert.ok(h.logs.some((l) => l.msg === 'elapsed time' && l.object === 'F'));
  });
});

describe('baseURI', () => {
  test('on a handler: the request is rebased before the handler gets it', async () => {
    const { h, stub } = decoratedStub({ baseURI: 'https://backend.test:8443' });
    await stub.handle(h.incoming({ url: 'http://gateway.test/api/items?x=1' }));
    assert.equal(h.seen[0]!.uri, 'https://backend.test:8443/api/items?x=1');
  });

  test('on a filter: the filter and everything after it see the rebased request', async () => {
    const h = harness();
    const filter = h.build<Filter>(
      [
        {
          name: 'F',
          type: 'HeaderFilter',
          baseURI: 'http://backend.test',
          config: { messageType: 'REQUEST', add: { 'X-Host': ['${request.uri.host}'] } },
        },
      ],
      'F',
      'Filter',
    );
    const next = recordingNext();
    await run(filter, h.incoming({ url: 'http://gateway.test:8080/a' }), next);
    const seen = next.calls[0]!.request;
    assert.equal(seen.uri.toString(), 'http://backend.test/a');
    assert.deepEqual(seen.headers.get('X-Host'), ['backend.test']);
  });

  test('a base that gives no absolute URI at run time answers 500 and never reaches the object', async () => {
    const { h, stub } = decoratedStub({ baseURI: "${request.headers['X-Base'][0]}" });
    const response = await stub.handle(h.incoming({ headers: { 'X-Base': 'not a uri' } }));
    assert.equal(response.status, 500);
    assert.equal(h.seen.length, 0);
    assert.ok(h.logs.some((l) => l.code === 'TG_BASE_URI_INVALID'));
  });
});

describe('several decorations', () => {
  // Each decoration wraps the ones written before it: the last one written runs first.
  const capturedUri = async (decorations: Record<string, unknown>): Promise<unknown> => {
    const { h, stub } = decoratedStub(decorations);
    await stub.handle(h.incoming({ url: 'http://gateway.test/a' }));
    const line = h.logs.find((l) => l.capture === 'request') as { request?: { uri?: string } } | undefined;
    return line?.request?.uri;
  };

  test('apply in the order they are written, each wrapping the one before', async () => {
    assert.equal(
      await capturedUri({ capture: 'request', baseURI: 'http://backend.test' }),
      'http://backend.test/a',
    );
    assert.equal(
      await capturedUri({ baseURI: 'http://backend.test', capture: 'request' }),
      'http://gateway.test/a',
    );
  });

  test('decorations on an object that is neither a handler nor a filter leave it as it is', () => {
    const h = harness();
    const store = h.build<object>(
      [{ name: 's', type: 'Base64EncodedSecretStore', capture: 'all', timer: true, config: { secrets: {} } }],
      's',
      'SecretStore',
    );
    assert.ok(store instanceof Base64EncodedSecretStore);
  });
});
