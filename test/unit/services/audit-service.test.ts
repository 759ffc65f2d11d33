import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, test } from 'node:test';
import { ConfigErrors, TollgateError } from '../../../src/errors/tollgate-error.js';
import type { Heap } from '../../../src/heap/heap.js';
import type { Handler } from '../../../src/heap/types.js';
import { textResponse } from '../../../src/http/message.js';
import { auditAccess, type AuditService } from '../../../src/services/audit-service.js';
import { testExchange } from '../../fixtures/exchange.js';
import { memoryLogger } from '../../fixtures/gateway.js';
import { testHeap } from '../../fixtures/heap.js';

const FILE = 'config.json';
const AT = { file: FILE, pointer: '/auditService' };
const JSON_HANDLER = 'org.forgerock.audit.handlers.json.JsonAuditEventHandler';
const answer: Handler = { handle: async () => textResponse(201, 'made') };

let heaps: Heap[] = [];
let directories: string[] = [];
afterEach(async () => {
  await flush();
  for (const dir of directories) await rm(dir, { recursive: true, force: true });
  directories = [];
});

async function directory(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tollgate-audit-'));
  directories.push(dir);
  return dir;
}

/** Stops every heap started so far, so their audit files are flushed and closed. */
async function flush(): Promise<void> {
  for (const heap of heaps.reverse()) await heap.stop();
  heaps = [];
}

/** A started heap holding one AuditService named `audit`, built from `config`. */
async function service(config: unknown, heap: Heap = testHeap()): Promise<AuditService> {
  heap.declare([{ name: 'audit', type: 'AuditService', config }], { file: FILE, pointer: '/heap' });
  const built = heap.resolve<AuditService>('audit', 'AuditService', AT);
  await heap.start();
  heaps.push(heap);
  return built;
}

function errorsOf(config: unknown): string[] {
  try {
    const heap = testHeap();
    heap.declare([{ name: 'audit', type: 'AuditService', config }], { file: FILE, pointer: '/heap' });
    heap.createAll();
    return [];
  } catch (error) {
    if (!(error instanceof ConfigErrors)) throw error;
    return error.errors.map((e) => `${e.code} ${e.place?.pointer}`);
  }
}

async function lines(file: string): Promise<Record<string, unknown>[]> {
  const text = await readFile(file, 'utf8');
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('AuditService with a JsonAuditEventHandler', () => {
  test('writes one access event a request to <logDirectory>/access.audit.json, without any credential', async () => {
    const dir = await directory();
    const audit = await service({
      eventHandlers: [
        { class: JSON_HANDLER, config: { name: 'json', logDirectory: dir, topics: ['access'] } },
      ],
    });
    const handler = auditAccess(answer, audit);
    const exchange = testExchange({
      method: 'POST',
      url: 'http://gateway.test:8080/api/items?access_token=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln&page=2',
      headers: {
        Authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln',
        Cookie: 'session=s3cr3t',
        'User-Agent': 'probe/1',
        'X-Custom': 'not safelisted',
      },
      transactionId: 'tx-1',
    });
    exchange.enterRoute('items', '10-items');
    assert.equal((await handler.handle(exchange)).status, 201);
    await handler.handle(testExchange({ transactionId: 'tx-2' }));
    await flush();
    const text = await readFile(join(dir, 'access.audit.json'), 'utf8');
    assert.doesNotMatch(text, /eyJ|s3cr3t|access_token|not safelisted/);
    const [first, second, ...rest] = await lines(join(dir, 'access.audit.json'));
    assert.equal(rest.length, 0);
    assert.equal(second?.transactionId, 'tx-2');
    assert.equal(first?.eventName, 'OPENIG-HTTP-ACCESS');
    assert.equal(first?.transactionId, 'tx-1');
    assert.match(String(first?._id), /^[0-9a-f-]{36}$/);
    assert.ok(!Number.isNaN(Date.parse(String(first?.timestamp))));
    assert.deepEqual(first?.client, { ip: '127.0.0.1', port: 50000 });
    assert.deepEqual(first?.server, { ip: '127.0.0.1', port: 8080 });
    assert.deepEqual(first?.request, { protocol: 'HTTP', operation: 'POST' });
    assert.deepEqual(first?.http, {
      request: {
        secure: false,
        method: 'POST',
        path: 'http://gateway.test:8080/api/items',
        headers: { 'user-agent': ['probe/1'] },
      },
    });
    const response = first?.response as Record<string, unknown>;
    assert.deepEqual(
      [response.status, response.statusCode, response.elapsedTimeUnits, typeof response.elapsedTime],
      ['SUCCESSFUL', '201', 'MILLISECONDS', 'number'],
    );
    assert.deepEqual(first?.ig, { routeId: '10-items', routeName: 'items' });
  });

  test('includeIf adds headers and query parameters, credentials still redacted; excludeIf removes fields', async () => {
    const dir = await directory();
    const audit = await service({
      config: {
        filterPolicies: {
          field: {
            includeIf: [
              '/access/http/request/headers/x-custom',
              '/access/http/request/headers/authorization',
              '/access/http/request/queryParameters',
            ],
            excludeIf: ['/access/server', '/access/http/request/headers/user-agent'],
          },
        },
      },
      eventHandlers: [
        { class: JSON_HANDLER, config: { name: 'json', logDirectory: dir, topics: ['access'] } },
      ],
    });
    await auditAccess(answer, audit).handle(
      testExchange({
        url: 'http://gateway.test/a?page=2&client_secret=abc',
        headers: { Authorization: 'Basic YTpi', 'X-Custom': 'kept', 'User-Agent': 'dropped' },
      }),
    );
    await flush();
    const [event] = await lines(join(dir, 'access.audit.json'));
    const request = (event?.http as { request: Record<string, unknown> }).request;
    assert.deepEqual(request.headers, { authorization: ['[REDACTED]'], 'x-custom': ['kept'] });
    assert.deepEqual(request.queryParameters, { page: ['2'], client_secret: ['[REDACTED]'] });
    assert.equal(event?.server, undefined);
  });

  test('a handler that throws leaves a FAILED event with status 500, and the error goes on', async () => {
    const dir = await directory();
    const audit = await service({
      eventHandlers: [
        { class: JSON_HANDLER, config: { name: 'json', logDirectory: dir, topics: ['access'] } },
      ],
    });
    const failing: Handler = {
      handle: () => Promise.reject(new TollgateError('TG_UPSTREAM_TIMEOUT', 'slow')),
    };
    await assert.rejects(auditAccess(failing, audit).handle(testExchange()), /slow/);
    await flush();
    const [event] = await lines(join(dir, 'access.audit.json'));
    assert.deepEqual(
      [
        (event?.response as Record<string, unknown>).status,
        (event?.response as Record<string, unknown>).statusCode,
      ],
      ['FAILED', '500'],
    );
  });

  test('a relative logDirectory is under the config directory; elasticsearchCompatible renames _id', async () => {
    const dir = await directory();
    const audit = await service(
      {
        eventHandlers: [
          {
            class: JSON_HANDLER,
            config: {
              name: 'json',
              logDirectory: 'audit',
              topics: ['access'],
              elasticsearchCompatible: true,
            },
          },
        ],
      },
      testHeap({}, { configDirectory: dir }),
    );
    await auditAccess(answer, audit).handle(testExchange());
    await flush();
    const [event] = await lines(join(dir, 'audit', 'access.audit.json'));
    assert.equal(event?._id, undefined);
    assert.match(String(event?._eventId), /^[0-9a-f-]{36}$/);
  });
});

describe('AuditService configuration', () => {
  test('a handler config needs name, topics and logDirectory, and a misspelt key is refused, each at its pointer', () => {
    assert.deepEqual(errorsOf({ eventHandlers: [{ class: JSON_HANDLER, config: { topic: ['access'] } }] }), [
      'TG_CONFIG_UNKNOWN_PROPERTY /heap/0/config/eventHandlers/0/config/topic',
      'TG_CONFIG_MISSING_PROPERTY /heap/0/config/eventHandlers/0/config/name',
      'TG_CONFIG_MISSING_PROPERTY /heap/0/config/eventHandlers/0/config/topics',
      'TG_CONFIG_MISSING_PROPERTY /heap/0/config/eventHandlers/0/config/logDirectory',
    ]);
    assert.deepEqual(errorsOf({ eventHandlers: [{ config: {} }], confg: {} }), [
      'TG_CONFIG_UNKNOWN_PROPERTY /heap/0/config/confg',
      'TG_CONFIG_MISSING_PROPERTY /heap/0/config/eventHandlers/0/class',
    ]);
  });

  test('another handler class is ignored with a warning naming what is implemented; the service then records nothing', async () => {
    const { logger, logs } = memoryLogger();
    const heap = testHeap({}, { logger });
    const audit = await service(
      {
        eventHandlers: [
          {
            class: 'org.forgerock.audit.handlers.csv.CsvAuditEventHandler',
            config: { name: 'csv', logDirectory: '/nowhere', topics: ['access'] },
          },
        ],
      },
      heap,
    );
    assert.equal(audit.auditsAccess, false);
    assert.equal(auditAccess(answer, audit), answer);
    const warning = logs.find((l) => l.code === 'TG_AUDIT_HANDLER_IGNORED');
    assert.equal(warning?.place, `${FILE}#/heap/0/config/eventHandlers/0/class`);
    assert.match(
      String(warning?.msg),
      /CsvAuditEventHandler.*JsonAuditEventHandler.*JsonStdoutAuditEventHandler/,
    );
  });

  test('enabled false, on the service or on its handler, or no access topic: nothing is recorded', async () => {
    const handler = {
      class: JSON_HANDLER,
      config: { name: 'json', logDirectory: '/nowhere', topics: ['access'] },
    };
    for (const config of [
      { config: { enabled: false }, eventHandlers: [handler] },
      { eventHandlers: [{ ...handler, config: { ...handler.config, enabled: '${false}' } }] },
      { eventHandlers: [{ ...handler, config: { ...handler.config, topics: ['custom'] } }] },
    ]) {
      const audit = await service(config);
      assert.equal(auditAccess(answer, audit), answer, JSON.stringify(config));
    }
  });

  test('a log directory that cannot be made fails the start with TG_START_AUDIT_LOG', async () => {
    const dir = await directory();
    await writeFile(join(dir, 'a-file'), '');
    const heap = testHeap();
    heap.declare(
      [
        {
          name: 'audit',
          type: 'AuditService',
          config: {
            eventHandlers: [
              {
                class: JSON_HANDLER,
                config: { name: 'json', logDirectory: join(dir, 'ok'), topics: ['access'] },
              },
              {
                class: JSON_HANDLER,
                config: { name: 'bad', logDirectory: join(dir, 'a-file', 'audit'), topics: ['access'] },
              },
            ],
          },
        },
      ],
      { file: FILE, pointer: '/heap' },
    );
    heap.createAll();
    await assert.rejects(heap.start(), (error: TollgateError) => error.code === 'TG_START_AUDIT_LOG');
    await heap.stop();
  });
});

describe('NoOpAuditService', () => {
  test('is the default AuditService: it records nothing, and a handler it audits is left as it is', () => {
    const audit = testHeap().resolve<AuditService>('AuditService', 'AuditService', AT);
    assert.equal(audit.auditsAccess, false);
    assert.equal(auditAccess(answer, audit), answer);
  });
});
