import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rename, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, test } from 'node:test';
import { stringify as toYaml } from 'yaml';
import { ConfigFileReader } from '../../../src/config/file-reader.js';
import type { Route } from '../../../src/router/route.js';
import { RouteDirectory } from '../../../src/router/route-directory.js';
import type { RouteStatus } from '../../../src/router/route-status.js';
import type { RouteTable } from '../../../src/router/route-table.js';
import { testExchange } from '../../fixtures/exchange.js';
import { memoryLogger, type LogLine } from '../../fixtures/gateway.js';
import { testHeap } from '../../fixtures/heap.js';
import { probeRoute, probeType } from '../../fixtures/probe.js';

const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));
/** A scan that never settles fails its suite instead of holding the run. */
const BOUNDED = { timeout: 30_000 };

/**
 * The real reader, with a moment to act between a scan's listing and its read of a file: what a
 * rename racing a scan does, made certain instead of left to timing.
 */
class ReaderWithPause extends ConfigFileReader {
  beforeRead: ((file: string) => Promise<void>) | undefined;

  override async readIfPresent(file: string): Promise<{ value: unknown } | 'missing'> {
    await this.beforeRead?.(file);
    return super.readIfPresent(file);
  }
}

interface Setup {
  readonly dir: string;
  readonly routes: RouteDirectory;
  /** Every table published, in order. */
  readonly tables: RouteTable<Route>[];
  /** The probes' "start a", "handle a", "stop a", and "publish <route names>" at each publish. */
  readonly events: string[];
  readonly logs: LogLine[];
  readonly reader: ReaderWithPause;
  /** How often the directory asked for a scan soon. */
  rescans: number;
  /** Makes the next publish throw (once). */
  failPublish: boolean;
  /** Writes a route file (objects as JSON), with an mtime of its own, so every write is a new version. */
  write(name: string, content: unknown): Promise<void>;
  path(name: string): string;
  /** A scan, a few milliseconds after the last, so the timestamps it records differ. */
  scan(): Promise<void>;
  status(name: string): RouteStatus | undefined;
  /** The routes of the last table: file name → route name. */
  serving(): string[];
  /** What the last table's route of `name` answers. */
  answer(name: string): Promise<string>;
}

let open: Setup[] = [];

afterEach(async () => {
  for (const setup of open) {
    await setup.routes.stop();
    await setup.reader.close();
    await rm(setup.dir, { recursive: true, force: true });
  }
  open = [];
});

async function setUp(options: { directory?: string; startRoutes?: boolean } = {}): Promise<Setup> {
  const dir = await mkdtemp(join(tmpdir(), 'tollgate-route-directory-'));
  const events: string[] = [];
  const { logger, logs } = memoryLogger();
  const reader = new ReaderWithPause();
  const heap = testHeap({}, { types: [probeType(events)], logger, configReader: reader });
  let mtime = Math.floor(Date.now() / 1000) - 10_000;
  const setup: Setup = {
    dir,
    tables: [],
    events,
    logs,
    reader,
    rescans: 0,
    failPublish: false,
    routes: new RouteDirectory({
      directory: options.directory ?? dir,
      heap,
      logger,
      publish: (table) => {
        if (setup.failPublish) {
          setup.failPublish = false;
          throw new Error('publish failed');
        }
        setup.tables.push(table);
        events.push(`publish ${table.routes.map((route) => route.name).join(',')}`);
      },
      rescanSoon: () => setup.rescans++,
      startRoutes: options.startRoutes,
    }),
    async write(name, content) {
      const file = join(dir, name);
      await writeFile(file, typeof content === 'string' ? content : JSON.stringify(content));
      mtime += 10;
      await utimes(file, mtime, mtime);
    },
    path: (name) => join(dir, name),
    async scan() {
      await sleep(3);
      await setup.routes.scan();
    },
    status: (name) => setup.routes.statuses().find((status) => status.file === join(dir, name)),
    serving() {
      const last = setup.tables.at(-1);
      return (last?.routes ?? []).map((route) => `${route.file.slice(dir.length + 1)}:${route.name}`);
    },
    async answer(name) {
      const route = setup.tables.at(-1)?.routes.find((r) => r.name === name);
      assert.ok(route, `no route named ${name} serves`);
      const response = await route.handle(testExchange());
      return `${response.status} ${response.entity.string}`;
    },
  };
  open.push(setup);
  return setup;
}

describe('RouteDirectory: loading', BOUNDED, () => {
  test('a scan builds every route file (JSON, YAML) in route-name order and publishes them once', async () => {
    const s = await setUp();
    await s.write('b.json', probeRoute('b', { name: '0-first' }));
    await s.write('a.yaml', toYaml(probeRoute('a')));
    await s.write('c.yml', toYaml(probeRoute('c')));
    // Not route files: another extension, a directory, a link to nothing.
    await s.write('notes.txt', probeRoute('txt'));
    await s.write('d.json.bak', probeRoute('bak'));
    await mkdir(s.path('e.json'));
    await symlink(s.path('nowhere.json'), s.path('f.json'));
    await s.scan();
    assert.equal(s.tables.length, 1);
    assert.deepEqual(s.serving(), ['b.json:0-first', 'a.yaml:a', 'c.yml:c']);
    assert.deepEqual(s.events.sort(), ['publish 0-first,a,c', 'start a', 'start b', 'start c']);
    const statuses = s.routes.statuses();
    assert.deepEqual(
      statuses.map(({ id, name, order, state, errors }) => ({ id, name, order, state, errors })),
      [
        { id: 'b', name: '0-first', order: 0, state: 'loaded', errors: [] },
        { id: 'a', name: 'a', order: 1, state: 'loaded', errors: [] },
        { id: 'c', name: 'c', order: 2, state: 'loaded', errors: [] },
      ],
    );
    const [first] = statuses;
    assert.equal(first!.file, s.path('b.json'));
    assert.equal(first!.loadedAt, first!.changedAt);
    assert.deepEqual(first!.requests, { total: 0, inFlight: 0 });
    assert.equal(s.rescans, 0);
  });

  test("the log tells a first load ('route loaded') from a changed file's new build ('route reloaded')", async () => {
    const s = await setUp();
    const said = (): string[] =>
      s.logs.filter((l) => String(l.msg).startsWith('route ')).map((l) => `${l.msg} ${String(l.route)}`);
    await s.write('a.json', probeRoute('a'));
    await s.scan();
    assert.deepEqual(said(), ['route loaded a']);
    await s.write('a.json', '{ broken');
    await s.scan();
    await s.write('a.json', probeRoute('a', { name: 'a', condition: '${true}' }));
    await s.scan();
    assert.deepEqual(said(), ['route loaded a', 'route reloaded a']);
    await s.write('b.json', '{ broken');
    await s.scan();
    await s.write('b.json', probeRoute('b'));
    await s.scan();
    // b never served before: its first build is a load, however many tries it took.
    assert.deepEqual(said(), ['route loaded a', 'route reloaded a', 'route loaded b']);
  });

  test('a scan that finds nothing changed builds nothing and publishes the same builds again', async () => {
    const s = await setUp();
    await s.write('a.json', probeRoute('a'));
    await s.scan();
    await s.scan();
    assert.equal(s.tables.length, 2);
    assert.equal(s.tables[1]!.routes[0], s.tables[0]!.routes[0]);
    assert.deepEqual(s.events, ['start a', 'publish a', 'publish a']);
  });

  test('a broken edit keeps the previous build serving; the fix replaces it, stopped after the publish', async () => {
    const s = await setUp();
    await s.write('a.json', probeRoute('v1'));
    await s.scan();
    const loaded = s.status('a.json')!;
    const v1 = s.tables[0]!.routes[0];

    await s.write('a.json', '{ broken');
    await s.scan();
    const broken = s.status('a.json')!;
    assert.equal(broken.state, 'loaded-with-previous-version');
    assert.equal(broken.order, 0);
    assert.equal(broken.name, 'a');
    assert.deepEqual(
      broken.errors.map(({ code, file, pointer }) => ({ code, file, pointer })),
      [{ code: 'TG_CONFIG_PARSE', file: s.path('a.json'), pointer: '' }],
    );
    assert.equal(broken.loadedAt, loaded.loadedAt);
    assert.ok(broken.changedAt > loaded.changedAt);
    assert.equal(s.tables[1]!.routes[0], v1);
    assert.equal(await s.answer('a'), '200 v1');
    assert.ok(s.logs.some((l) => l.msg === 'the previous version of the route keeps serving'));
    // Where the file goes wrong is in the status and in the log line, as a field of its own.
    const source = { line: 1, column: 3, excerpt: '{ broken', caret: 3 };
    assert.deepEqual(broken.errors[0]?.source, source);
    const logged = s.logs.find((l) => l.code === 'TG_CONFIG_PARSE');
    assert.deepEqual(logged?.source, source);
    assert.match(String(logged?.msg), /found "broken" at line 1, column 3$/);

    await s.write('a.json', probeRoute('v2'));
    await s.scan();
    const fixed = s.status('a.json')!;
    assert.equal(fixed.state, 'loaded');
    assert.deepEqual(fixed.errors, []);
    assert.ok(fixed.loadedAt! > loaded.loadedAt!);
    assert.ok(fixed.changedAt > broken.changedAt);
    assert.equal(await s.answer('a'), '200 v2');
    // The new build started before it was published; the old one stopped only after.
    assert.deepEqual(s.events, [
      'start v1',
      'publish a',
      'publish a',
      'handle v1',
      'start v2',
      'publish a',
      'stop v1',
      'handle v2',
    ]);

    // Another good edit: a new build, but the state (loaded) did not change.
    await s.write('a.json', probeRoute('v3'));
    await s.scan();
    const again = s.status('a.json')!;
    assert.ok(again.loadedAt! > fixed.loadedAt!);
    assert.equal(again.changedAt, fixed.changedAt);
  });

  test('a new file that fails has no route, its errors, and the name it asked for; it is listed after the routes', async () => {
    const s = await setUp();
    await s.write('a.json', {
      name: 'wanted',
      handler: { type: 'Probe', config: { label: 'x', stauts: 1 } },
    });
    await s.write('b.json', '{ broken');
    await s.write('c.json', probeRoute('c'));
    await s.scan();
    assert.deepEqual(s.serving(), ['c.json:c']);
    const statuses = s.routes.statuses();
    assert.deepEqual(
      statuses.map(({ id, name, order, state, loadedAt }) => ({ id, name, order, state, loadedAt })),
      [
        { id: 'c', name: 'c', order: 0, state: 'loaded', loadedAt: statuses[0]!.loadedAt },
        { id: 'a', name: 'wanted', order: undefined, state: 'failed', loadedAt: undefined },
        { id: 'b', name: undefined, order: undefined, state: 'failed', loadedAt: undefined },
      ],
    );
    assert.deepEqual(
      statuses[1]!.errors.map(({ code, pointer }) => `${code} ${pointer}`),
      ['TG_CONFIG_UNKNOWN_PROPERTY /handler/config/stauts'],
    );
    assert.ok(
      s.logs.some(
        (l) =>
          l.code === 'TG_CONFIG_UNKNOWN_PROPERTY' && l.place === `${s.path('a.json')}#/handler/config/stauts`,
      ),
    );
  });

  test('a build that throws an error with no code is TG_CONFIG_BUILD_FAILED for its file, and stops what it started', async () => {
    const s = await setUp();
    await s.write('created.json', { handler: { type: 'Probe', config: { label: 'x', failCreate: true } } });
    await s.write('started.json', {
      heap: [
        { name: 'first', type: 'Probe', config: { label: 'first' } },
        { name: 'second', type: 'Probe', config: { label: 'second', failStart: true } },
      ],
      handler: 'first',
    });
    await s.write('fine.json', probeRoute('fine'));
    await s.scan();
    assert.deepEqual(s.serving(), ['fine.json:fine']);
    for (const [file, message] of [
      ['created.json', 'Error: probe x cannot be created'],
      ['started.json', 'Error: probe second cannot start'],
    ] as const) {
      const status = s.status(file)!;
      assert.equal(status.state, 'failed');
      assert.deepEqual(status.errors, [
        { code: 'TG_CONFIG_BUILD_FAILED', file: s.path(file), pointer: '', message },
      ]);
      // The log line carries the original error, with its stack.
      const logged = s.logs.find(
        (l) => l.code === 'TG_CONFIG_BUILD_FAILED' && l.place === `${s.path(file)}#`,
      );
      assert.match(
        String((logged?.err as { stack?: string } | undefined)?.stack),
        /cannot be created|cannot start/,
      );
    }
    assert.ok(s.events.includes('stop first'), s.events.join('; '));
  });
});

describe('RouteDirectory: building without starting, as validate does', BOUNDED, () => {
  test('the routes are built and not started; errors() gives every file with its errors, by file name', async () => {
    const s = await setUp({ startRoutes: false });
    await s.write('b.json', probeRoute('b', { name: 'same' }));
    await s.write('a.json', probeRoute('a', { name: 'same' }));
    await s.write('c.json', { handler: { type: 'Probe', config: { label: 'c', stauts: 1 } } });
    await s.scan();
    assert.deepEqual(
      [...s.routes.errors()].map(([file, errors]) => [
        file.slice(s.dir.length + 1),
        errors.map((e) => e.code),
      ]),
      [
        ['a.json', []],
        ['b.json', ['TG_CONFIG_DUPLICATE_NAME']],
        ['c.json', ['TG_CONFIG_UNKNOWN_PROPERTY']],
      ],
    );
    // No start: the build that lost the name is stopped after the publish, the other at the stop.
    assert.deepEqual(s.events, ['publish same', 'stop b']);
    await s.routes.stop();
    assert.deepEqual(s.events, ['publish same', 'stop b', 'publish ', 'stop a']);
  });
});

describe('RouteDirectory: name clashes', BOUNDED, () => {
  test('of two files with one route name the first keeps it; the other gets TG_CONFIG_DUPLICATE_NAME and is not rebuilt while the name is held', async () => {
    const s = await setUp();
    await s.write('a.json', probeRoute('a', { name: 'same' }));
    await s.write('b.json', probeRoute('b', { name: 'same' }));
    await s.scan();
    assert.deepEqual(s.serving(), ['a.json:same']);
    const b = s.status('b.json')!;
    assert.equal(b.state, 'failed');
    assert.equal(b.name, 'same');
    assert.deepEqual(b.errors, [
      {
        code: 'TG_CONFIG_DUPLICATE_NAME',
        file: s.path('b.json'),
        pointer: '/name',
        message: `route name "same" is already used by ${s.path('a.json')}`,
      },
    ]);
    // b's build was made, refused, and stopped after the publish.
    assert.deepEqual(s.events.slice(-2), ['publish same', 'stop b']);
    await s.scan();
    assert.equal(s.events.filter((e) => e === 'start b').length, 1);
  });

  test('the file that lost a name takes it in the scan that sees the holder gone', async () => {
    const s = await setUp();
    await s.write('a.json', probeRoute('a', { name: 'same' }));
    await s.write('b.json', probeRoute('b', { name: 'same' }));
    await s.scan();
    await rm(s.path('a.json'));
    await s.scan();
    assert.equal(s.tables.length, 2);
    assert.deepEqual(s.serving(), ['b.json:same']);
    assert.equal(await s.answer('same'), '200 b');
    assert.equal(s.status('b.json')!.state, 'loaded');
    assert.equal(s.status('a.json')!.state, 'removed');
  });

  test('the file that lost a name takes it right after the holder renames its route, in the same scan call', async () => {
    const s = await setUp();
    await s.write('a.json', probeRoute('a', { name: 'same' }));
    await s.write('b.json', probeRoute('b', { name: 'same' }));
    await s.scan();
    await s.write('a.json', probeRoute('a2', { name: 'other' }));
    await s.scan();
    // One pass renames a's route; the name freed, a second pass builds b again.
    assert.equal(s.tables.length, 3);
    assert.deepEqual(s.serving(), ['a.json:other', 'b.json:same']);
    assert.equal(s.status('b.json')!.state, 'loaded');
    assert.equal(await s.answer('same'), '200 b');
  });

  test('a broken edit of the holder keeps the name held', async () => {
    const s = await setUp();
    await s.write('a.json', probeRoute('a', { name: 'same' }));
    await s.scan();
    await s.write('a.json', '{ broken');
    await s.write('b.json', probeRoute('b', { name: 'same' }));
    await s.scan();
    assert.deepEqual(s.serving(), ['a.json:same']);
    assert.equal(s.status('a.json')!.state, 'loaded-with-previous-version');
    assert.equal(s.status('b.json')!.errors[0]?.code, 'TG_CONFIG_DUPLICATE_NAME');
  });
});

describe('RouteDirectory: removal', BOUNDED, () => {
  test('a removed file loses its route after the publish and leaves a removed record; a file back is loaded again', async () => {
    const s = await setUp();
    await s.write('a.json', probeRoute('a'));
    await s.write('b.json', probeRoute('b'));
    await s.scan();
    const loaded = s.status('a.json')!;
    await rm(s.path('a.json'));
    await s.scan();
    assert.deepEqual(s.serving(), ['b.json:b']);
    assert.deepEqual(s.events.slice(-2), ['publish b', 'stop a']);
    const statuses = s.routes.statuses();
    assert.deepEqual(
      statuses.map(({ id, state, order }) => `${id} ${state} ${order}`),
      ['b loaded 0', 'a removed undefined'],
    );
    assert.equal(statuses[1]!.loadedAt, loaded.loadedAt);
    assert.ok(statuses[1]!.changedAt > loaded.changedAt);
    assert.ok(s.logs.some((l) => l.msg === 'route removed' && l.file === s.path('a.json')));

    await s.write('a.json', probeRoute('a again'));
    await s.scan();
    assert.deepEqual(
      s.routes.statuses().map(({ id, state }) => `${id} ${state}`),
      ['a loaded', 'b loaded'],
    );
  });

  test('the records of removed files are kept newest first, at most 100', async () => {
    const s = await setUp();
    const static200 = { handler: { type: 'StaticResponseHandler', config: { status: 200 } } };
    const names = Array.from({ length: 101 }, (_, i) => `r${String(i).padStart(3, '0')}`);
    for (const name of names) await s.write(`${name}.json`, static200);
    await s.scan();
    assert.equal(s.tables.at(-1)!.routes.length, 101);
    await rm(s.path('r000.json'));
    await s.scan();
    for (const name of names.slice(1)) await rm(s.path(`${name}.json`));
    await s.scan();
    const statuses = s.routes.statuses();
    assert.equal(statuses.length, 100);
    assert.ok(statuses.every((status) => status.state === 'removed'));
    // The oldest removal, r000, is the one dropped.
    assert.deepEqual(
      statuses.map((status) => status.id),
      names.slice(1).reverse(),
    );
  });
});

describe('RouteDirectory: files moving under a scan', BOUNDED, () => {
  test('a file renamed between the listing and its read makes the scan look again: the rename is one swap', async () => {
    const s = await setUp();
    await s.write('a.json', probeRoute('v1', { name: 'moving' }));
    await s.scan();
    await s.write('a.json', probeRoute('v2', { name: 'moving' }));
    s.reader.beforeRead = async (file) => {
      s.reader.beforeRead = undefined;
      await rename(file, s.path('b.json'));
    };
    await s.scan();
    assert.equal(s.tables.length, 2);
    assert.deepEqual(s.serving(), ['b.json:moving']);
    assert.equal(await s.answer('moving'), '200 v2');
    assert.equal(s.status('a.json')!.state, 'removed');
    assert.equal(s.status('b.json')!.state, 'loaded');
    assert.ok(!s.logs.some((l) => l.code === 'TG_CONFIG_DUPLICATE_NAME'));
    assert.equal(s.rescans, 0);
  });

  test('when files keep vanishing, after three looks the table is left as it is and a scan is asked for soon', async () => {
    const s = await setUp();
    await s.write('a.json', probeRoute('v1', { name: 'moving' }));
    await s.scan();
    await s.write('a.json', probeRoute('v2', { name: 'moving' }));
    let reads = 0;
    s.reader.beforeRead = async (file) => {
      reads++;
      await rename(file, s.path(file.endsWith('a.json') ? 'b.json' : 'a.json'));
    };
    await s.scan();
    assert.equal(reads, 3);
    assert.equal(s.rescans, 1);
    assert.equal(s.tables.length, 1);
    assert.equal(s.status('a.json')!.state, 'loaded');
    s.reader.beforeRead = undefined;
    await s.scan();
    assert.deepEqual(s.serving(), ['b.json:moving']);
    assert.equal(await s.answer('moving'), '200 v2');
  });
});

describe('RouteDirectory: scans and stop', BOUNDED, () => {
  test('a scan asked for before one starts is done by it: one pass', async () => {
    const s = await setUp();
    await s.write('a.json', probeRoute('a'));
    const first = s.routes.scan();
    const second = s.routes.scan();
    assert.equal(second, first);
    await first;
    assert.equal(s.tables.length, 1);
  });

  test('a scan asked for while one runs shares its promise, and another pass runs right after', async () => {
    const s = await setUp();
    await s.write('a.json', probeRoute('a'));
    let second: Promise<void> | undefined;
    s.reader.beforeRead = async () => {
      s.reader.beforeRead = undefined;
      second = s.routes.scan();
    };
    const first = s.routes.scan();
    await first;
    assert.equal(second, first);
    assert.equal(s.tables.length, 2);
  });

  test('a missing directory is warned of once while it is missing; its routes load once it exists, and keep serving when it goes', async () => {
    const root = await mkdtemp(join(tmpdir(), 'tollgate-route-directory-'));
    const dir = join(root, 'routes');
    try {
      const s = await setUp({ directory: dir });
      const warnings = (): number =>
        s.logs.filter((l) => l.code === 'TG_ROUTES_DIRECTORY_MISSING' && l.directory === dir).length;
      await s.routes.scan();
      await s.routes.scan();
      assert.equal(s.tables.length, 0);
      assert.equal(warnings(), 1);
      assert.ok(
        s.logs.every((l) => l.err === undefined && l.level === 40),
        'one warning, no stack',
      );
      await mkdir(dir);
      await writeFile(join(dir, 'a.json'), JSON.stringify(probeRoute('a')));
      await s.routes.scan();
      assert.equal(s.tables.length, 1);
      await rm(dir, { recursive: true });
      await s.routes.scan();
      assert.equal(warnings(), 2);
      assert.equal(s.tables.length, 1);
      assert.equal(s.routes.statuses()[0]!.state, 'loaded');
      assert.equal(await s.answer('a'), '200 a');
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  test('a directory that cannot be read is logged with TG_CONFIG_READ, and what serves keeps serving', async () => {
    const root = await mkdtemp(join(tmpdir(), 'tollgate-route-directory-'));
    const dir = join(root, 'routes');
    try {
      const s = await setUp({ directory: dir });
      await mkdir(dir);
      await writeFile(join(dir, 'a.json'), JSON.stringify(probeRoute('a')));
      await s.routes.scan();
      assert.equal(s.tables.length, 1);
      await rm(dir, { recursive: true });
      await writeFile(dir, 'a file where the directory was');
      await s.routes.scan();
      assert.ok(s.logs.some((l) => l.code === 'TG_CONFIG_READ' && l.directory === dir));
      assert.equal(s.tables.length, 1);
      assert.equal(await s.answer('a'), '200 a');
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  test('hidden files and editor temporaries beside the routes are not loaded', async () => {
    const s = await setUp();
    for (const name of ['a.json', '.b.json', '.#c.json', '#d.json#', 'e.json~', '.f.json.swp']) {
      await s.write(name, probeRoute(name.replace(/[^a-f]/g, '')));
    }
    await s.scan();
    assert.deepEqual(s.serving(), ['a.json:a']);
    assert.equal(s.routes.statuses().length, 1);
  });

  test('a scan that fails unexpectedly is logged and resolves; the next scan publishes', async () => {
    const s = await setUp();
    await s.write('a.json', probeRoute('a'));
    s.failPublish = true;
    await s.scan();
    assert.equal(s.tables.length, 0);
    assert.ok(s.logs.some((l) => l.code === 'TG_CONFIG_BUILD_FAILED' && l.directory === s.dir));
    await s.scan();
    assert.deepEqual(s.serving(), ['a.json:a']);
  });

  test('stop waits for the scan under way, stops what it built unpublished, then empties the table and stops every route', async () => {
    const s = await setUp();
    await s.write('a.json', probeRoute('a'));
    await s.scan();
    await s.write('b.json', probeRoute('b'));
    const scanning = s.routes.scan();
    await s.routes.stop();
    await scanning;
    assert.deepEqual(s.events, ['start a', 'publish a', 'start b', 'stop b', 'publish ', 'stop a']);
    // A scan after stop stops whatever it builds, and publishes nothing.
    await s.write('c.json', probeRoute('c'));
    await s.routes.scan();
    assert.deepEqual(s.events.slice(6).sort(), ['start b', 'start c', 'stop b', 'stop c']);
    assert.equal(s.tables.at(-1)!.routes.length, 0);
  });

  test("requests are counted across a file's builds", async () => {
    const s = await setUp();
    await s.write('a.json', probeRoute('v1'));
    await s.scan();
    assert.equal(await s.answer('a'), '200 v1');
    await s.write('a.json', probeRoute('v2'));
    await s.scan();
    assert.equal(await s.answer('a'), '200 v2');
    assert.deepEqual(s.status('a.json')!.requests, { total: 2, inFlight: 0 });
  });
});
