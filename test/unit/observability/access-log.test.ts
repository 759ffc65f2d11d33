import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { TollgateError } from '../../../src/errors/tollgate-error.js';
import { eventually } from '../../fixtures/gateway.js';
import { ExchangeTiming } from '../../../src/http/exchange.js';
import {
  AccessLog,
  accessLine,
  elideQuery,
  type AccessEntry,
} from '../../../src/observability/access-log.js';

function catching(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

const entry: AccessEntry = {
  time: Date.UTC(2026, 11, 1, 23, 30, 0, 123),
  transactionId: 'tx-1',
  client: '127.0.0.1',
  method: 'GET',
  rawPath: '/api/a',
  rawQuery: null,
  route: 'api',
  status: 200,
  bytesIn: 120,
  bytesOut: 340,
  durationMs: 1.23456,
  timing: undefined,
};

describe('elideQuery', () => {
  test('keeps every name and replaces every value', () => {
    assert.equal(elideQuery('a=1&b=two&c='), 'a=…&b=…&c=…');
    assert.equal(elideQuery('access_token=eyJx.y.z&x=%20'), 'access_token=…&x=…');
  });

  test('a part with no "=" may be a value on its own, so it goes whole; empty parts stay empty', () => {
    assert.equal(elideQuery('eyJhbGciOi.secret.sig'), '…');
    assert.equal(elideQuery('a=1&&flag'), 'a=…&…&…');
    assert.equal(elideQuery(''), '');
    assert.equal(elideQuery('=v'), '=…');
  });
});

describe('accessLine', () => {
  test('one JSON line with every field, in order, null where there is nothing to say', () => {
    const line = accessLine(entry);
    assert.ok(line.endsWith('}\n'));
    assert.deepEqual(JSON.parse(line), {
      time: '2026-12-01T23:30:00.123Z',
      transactionId: 'tx-1',
      client: '127.0.0.1',
      method: 'GET',
      path: '/api/a',
      route: 'api',
      status: 200,
      bytesIn: 120,
      bytesOut: 340,
      durationMs: 1.235,
      upstreamMs: null,
      tokenExchangeMs: null,
      tokenExchangeSource: null,
    });
  });

  test('the query with its values elided; the timings of the calls; text escaped', () => {
    const timing = new ExchangeTiming();
    timing.addUpstream(0.5);
    timing.addTokenExchange(2.0004, 'cached');
    const parsed = JSON.parse(
      accessLine({
        ...entry,
        rawPath: '/a"b\\c',
        rawQuery: 'token=secret&x=1',
        route: 'quote"d\n',
        timing,
      }),
    ) as Record<string, unknown>;
    assert.equal(parsed.path, '/a"b\\c?token=…&x=…');
    assert.equal(parsed.route, 'quote"d\n');
    assert.equal(parsed.upstreamMs, 0.5);
    assert.equal(parsed.tokenExchangeMs, 2);
    assert.equal(parsed.tokenExchangeSource, 'cached');
  });

  test('no route, no path (a refused target)', () => {
    const parsed = JSON.parse(accessLine({ ...entry, rawPath: null, route: null, status: 400 })) as Record<
      string,
      unknown
    >;
    assert.equal(parsed.path, null);
    assert.equal(parsed.route, null);
    assert.equal(parsed.status, 400);
  });
});

describe('AccessLog.open', () => {
  const place = { file: '/etc/tollgate/admin.json', pointer: '/accessLog' };

  test('off unless enabled', () => {
    assert.equal(AccessLog.open(undefined, tmpdir(), place), undefined);
    assert.equal(AccessLog.open({ file: 'x.log' }, tmpdir(), place), undefined);
    assert.equal(AccessLog.open({ enabled: false }, tmpdir(), place), undefined);
  });

  test('a file relative to the directory, its folders made, appended to; everything written is there once closed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tollgate-access-'));
    try {
      await writeFile(join(dir, 'before.log'), '');
      const log = AccessLog.open({ enabled: true, file: 'logs/access.log' }, dir, place);
      assert.ok(log);
      log.write(entry);
      log.write({ ...entry, transactionId: 'tx-2' });
      await log.close();
      const again = AccessLog.open({ enabled: true, file: join(dir, 'logs/access.log') }, '/', place);
      again!.write({ ...entry, transactionId: 'tx-3' });
      await again!.close();
      const lines = (await readFile(join(dir, 'logs/access.log'), 'utf8')).trimEnd().split('\n');
      assert.deepEqual(
        lines.map((line) => (JSON.parse(line) as { transactionId: string }).transactionId),
        ['tx-1', 'tx-2', 'tx-3'],
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('a line is in the file within seconds, without waiting for more lines or the close', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tollgate-access-'));
    const log = AccessLog.open({ enabled: true, file: 'access.log' }, dir, place)!;
    try {
      log.write(entry);
      await eventually(async () => assert.match(await readFile(join(dir, 'access.log'), 'utf8'), /"tx-1"/));
    } finally {
      await log.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('a file that cannot be opened is a start-up error at admin.json#/accessLog/file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tollgate-access-'));
    try {
      await writeFile(join(dir, 'plain'), '');
      const failure = catching(() => AccessLog.open({ enabled: true, file: 'plain/access.log' }, dir, place));
      assert.ok(failure instanceof TollgateError);
      assert.equal(failure.code, 'TG_START_ACCESS_LOG');
      assert.deepEqual(failure.place, { file: place.file, pointer: '/accessLog/file' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
