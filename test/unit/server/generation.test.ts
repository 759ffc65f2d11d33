import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { after, afterEach, before, describe, test } from 'node:test';
import { ConfigErrors } from '../../../src/errors/tollgate-error.js';
import type { Response } from '../../../src/http/message.js';
import { Generation } from '../../../src/server/generation.js';
import type { GatewayConfig } from '../../../src/server/instance.js';
import { testExchange } from '../../fixtures/exchange.js';
import { testHeapOptions } from '../../fixtures/heap.js';
import { probeRoute, probeType } from '../../fixtures/probe.js';

const PLACE = { file: 'config.json', pointer: '' };

async function text(response: Response): Promise<string> {
  await response.entity.load(1 << 20, 'TG_UPSTREAM_RESPONSE_TOO_LARGE');
  return `${response.status} ${response.entity.string}`;
}

const get = (path: string) => testExchange({ url: `http://gateway.test${path}` });

describe('Generation', { timeout: 30_000 }, () => {
  let routes: string;
  /** The probes' lifecycle and requests, and "answered" when a request's answer is back. */
  let events: string[];
  /** Requests to a Probe labelled "slow" wait here until the test lets each go, in order. */
  let releases: (() => void)[];
  let generations: Generation[];

  before(async () => {
    routes = await mkdtemp(join(tmpdir(), 'tollgate-generation-'));
    await writeFile(
      join(routes, 'a.json'),
      JSON.stringify(probeRoute('a', { condition: "${request.uri.path == '/a'}" })),
    );
  });

  after(async () => {
    await rm(routes, { recursive: true, force: true });
  });

  afterEach(async () => {
    for (const generation of generations) await generation.stop();
  });

  function build(config: GatewayConfig): Generation {
    events = [];
    releases = [];
    generations = [];
    const options = testHeapOptions({
      routesDirectory: routes,
      types: [
        probeType(events, {
          answer: (label, exchange) => {
            if (label === 'uri') events.push(exchange.request.uri.toString());
            if (label === 'slow') return new Promise<void>((done) => releases.push(done));
          },
        }),
      ],
    });
    const generation = Generation.build(config, PLACE, options);
    generations.push(generation);
    return generation;
  }

  /** The "CODE file#pointer" of each error building `config` gives. */
  function errorsOf(config: GatewayConfig): string[] {
    try {
      build(config);
      return [];
    } catch (error) {
      assert.ok(error instanceof ConfigErrors, String(error));
      return error.errors.map((e) => `${e.code} ${e.place?.file}#${e.place?.pointer}`);
    }
  }

  test('is built with no I/O; start runs the default Router over the routes directory; stop unloads it', async () => {
    const generation = build({});
    // Built, not started: the Router has read nothing yet.
    assert.equal(await text(await generation.handle(get('/a'))), '404 ');
    await generation.start();
    assert.equal(await text(await generation.handle(get('/a'))), '200 a');
    assert.equal(await text(await generation.handle(get('/b'))), '404 ');
    await generation.stop();
    assert.deepEqual(events, ['start a', 'handle a', 'stop a']);
  });

  test("config.json's handler replaces the Router, with config.json's decorations", async () => {
    const generation = build({
      heap: [{ name: 'root', type: 'Probe', config: { label: 'uri' } }],
      handler: 'root',
      baseURI: 'http://backend.test:9000',
    });
    await generation.start();
    assert.equal(await text(await generation.handle(get('/a?x=1'))), '200 uri');
    assert.deepEqual(events, ['start uri', 'handle uri', 'http://backend.test:9000/a?x=1']);
  });

  test("every request has config.json's session: `session`, else a heap object named Session, else in memory", async () => {
    const writing = {
      type: 'Chain',
      config: {
        filters: [
          { type: 'AssignmentFilter', config: { onRequest: [{ target: '${session.x}', value: 'v' }] } },
        ],
        handler: { type: 'StaticResponseHandler', config: { status: 200 } },
      },
    };
    const jwt = (name: string) => ({ type: 'JwtSession', config: { cookie: { name } } });
    const cookieOf = async (config: GatewayConfig): Promise<string | undefined> => {
      const generation = build({ handler: writing, ...config });
      await generation.start();
      const response = await generation.handle(get('/'));
      return response.headers.first('set-cookie')?.split('=')[0];
    };
    assert.equal(await cookieOf({}), 'IG_SESSIONID');
    assert.equal(await cookieOf({ heap: [{ name: 'Session', ...jwt('from-heap') }] }), 'from-heap');
    assert.equal(
      await cookieOf({ heap: [{ name: 'Session', ...jwt('from-heap') }], session: jwt('from-key') }),
      'from-key',
    );
    assert.deepEqual(errorsOf({ session: { type: 'TransactionIdOutboundFilter' } }), [
      'TG_CONFIG_WRONG_KIND config.json#/session',
    ]);
  });

  test('a configuration error is thrown with its config.json pointer, and nothing is started', () => {
    const probe = (config: Record<string, unknown>) => ({ name: 'p', type: 'Probe', config });
    assert.deepEqual(errorsOf({ heap: [probe({ label: 'p', stauts: 1 })], handler: 'p' }), [
      'TG_CONFIG_UNKNOWN_PROPERTY config.json#/heap/0/config/stauts',
    ]);
    assert.deepEqual(errorsOf({ handler: { type: 'NoSuchHandler' } }), [
      'TG_CONFIG_UNKNOWN_TYPE config.json#/handler/type',
    ]);
    assert.deepEqual(errorsOf({ handler: 'missing' }), ['TG_CONFIG_BAD_REFERENCE config.json#/handler']);
    assert.deepEqual(errorsOf({ heap: [probe({ label: 'p' })], handler: 'p', baseURI: 'not a uri' }), [
      'TG_CONFIG_BAD_VALUE config.json#/baseURI',
    ]);
    assert.deepEqual(events, []);
  });

  test('every error of config.json is listed, not only the first', () => {
    const probe = (config: Record<string, unknown>) => ({ name: 'p', type: 'Probe', config });
    assert.deepEqual(
      errorsOf({
        heap: [probe({ label: 'p', stauts: 1 }), { name: 'q', type: 'NoSuchType' }],
        handler: { type: 'NoSuchHandler' },
      }),
      [
        'TG_CONFIG_UNKNOWN_TYPE config.json#/handler/type',
        'TG_CONFIG_UNKNOWN_PROPERTY config.json#/heap/0/config/stauts',
        'TG_CONFIG_UNKNOWN_TYPE config.json#/heap/1/type',
      ],
    );
  });

  test('a failed start is thrown and stops what had started', async () => {
    const generation = build({
      heap: [
        { name: 'first', type: 'Probe', config: { label: 'first' } },
        { name: 'second', type: 'Probe', config: { label: 'second', failStart: true } },
      ],
      handler: 'first',
    });
    await assert.rejects(generation.start(), /probe second cannot start/);
    assert.deepEqual(events, ['start first', 'start second', 'stop first']);
  });

  test('stop waits for every request in flight, even one that came while it waited, then stops the heap', async () => {
    const generation = build({
      heap: [{ name: 'root', type: 'Probe', config: { label: 'slow' } }],
      handler: 'root',
    });
    await generation.start();
    const first = generation.handle(get('/'));
    await nextTurn();
    const stopping = generation.stop();
    let stopped = false;
    void stopping.then(() => (stopped = true));
    assert.equal(generation.stop(), stopping, 'a second stop waits for the same');
    const second = generation.handle(get('/'));
    await nextTurn();
    releases.shift()!();
    assert.equal(await text(await first), '200 slow');
    await nextTurn();
    assert.equal(stopped, false);
    assert.deepEqual(events, ['start slow', 'handle slow', 'handle slow']);
    releases.shift()!();
    assert.equal(await text(await second), '200 slow');
    await stopping;
    assert.deepEqual(events, ['start slow', 'handle slow', 'handle slow', 'stop slow']);
  });

  test('a request that fails still counts as done: stop is not left waiting for it', async () => {
    const generation = build({
      heap: [{ name: 'root', type: 'Probe', config: { label: 'broken', failHandle: true } }],
      handler: 'root',
    });
    await generation.start();
    await assert.rejects(generation.handle(get('/')), /probe broken failed/);
    await generation.stop();
    assert.deepEqual(events, ['start broken', 'handle broken', 'stop broken']);
  });
});
