import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { DirectoryWatcher } from '../../../src/router/directory-watcher.js';
import { eventually, memoryLogger } from '../../fixtures/gateway.js';

const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

/** Longer than the watcher's 25 ms debounce, with room for a busy machine. */
const SETTLE_MS = 150;
const HOUR = 3_600_000;

/**
 * How many file-system watchers the process has open. (Its interval is unref'd, so it is not an
 * active resource: a timer shows by its reports instead.)
 */
function openWatchers(): number {
  return process.getActiveResourcesInfo().filter((kind) => kind === 'FSEventWrap').length;
}

describe('DirectoryWatcher', () => {
  let dir: string;
  const silent = pino({ level: 'silent' });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tollgate-watcher-'));
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** A watcher over `dir` that counts its reports. */
  function counting(intervalMs: number): { watcher: DirectoryWatcher; reports: () => number } {
    let reports = 0;
    const watcher = new DirectoryWatcher({
      directory: dir,
      intervalMs,
      logger: silent,
      onChange: () => reports++,
    });
    return { watcher, reports: () => reports };
  }

  test('a burst of soon() calls is reported once, after the burst', async () => {
    const { watcher, reports } = counting(HOUR);
    try {
      for (let i = 0; i < 20; i++) watcher.soon();
      assert.equal(reports(), 0, 'reported before the debounce');
      await sleep(SETTLE_MS);
      assert.equal(reports(), 1);
    } finally {
      watcher.stop();
    }
  });

  test('a burst of file changes is reported once', async () => {
    const { watcher, reports } = counting(HOUR);
    watcher.start();
    try {
      // Written without a pause, so every event is queued before the first is delivered.
      for (let i = 0; i < 10; i++) writeFileSync(join(dir, `burst-${i}.json`), '{}');
      await sleep(SETTLE_MS);
      assert.equal(reports(), 1);
      await writeFile(join(dir, 'burst-0.json'), '{"again": true}');
      await sleep(SETTLE_MS);
      assert.equal(reports(), 2);
    } finally {
      watcher.stop();
    }
  });

  test('the interval reports without any file event', async () => {
    const { watcher, reports } = counting(20);
    watcher.start();
    try {
      await eventually(() => assert.ok(reports() >= 2, `${reports()} reports`));
    } finally {
      watcher.stop();
    }
  });

  test('an interval of 0 (disabled) or unlimited watches nothing: no timer, no watcher, no report', async () => {
    for (const intervalMs of [0, Number.POSITIVE_INFINITY]) {
      const { watcher, reports } = counting(intervalMs);
      assert.equal(watcher.enabled, false);
      const before = openWatchers();
      watcher.start();
      try {
        assert.equal(openWatchers(), before, `interval ${intervalMs}`);
        // A timer of 0 ms, or of a delay node cannot hold, would fire every millisecond.
        await writeFile(join(dir, 'unwatched.json'), String(intervalMs));
        await sleep(SETTLE_MS);
        assert.equal(reports(), 0, `interval ${intervalMs}`);
      } finally {
        watcher.stop();
      }
    }
    assert.equal(counting(10).watcher.enabled, true);
  });

  test('stop drops a pending report, ends the interval and closes the watcher; later calls do nothing', async () => {
    const { watcher, reports } = counting(30);
    const before = openWatchers();
    watcher.start();
    try {
      assert.equal(openWatchers(), before + 1);
      watcher.soon();
    } finally {
      watcher.stop();
    }
    await writeFile(join(dir, 'after-stop.json'), '{}');
    watcher.soon();
    watcher.start();
    await sleep(SETTLE_MS);
    assert.equal(reports(), 0);
    // The watcher's handle is gone once the loop has turned.
    assert.equal(openWatchers(), before);
  });

  test('a directory that cannot be watched is logged, and the interval still reports', async () => {
    const { logger, logs } = memoryLogger();
    await writeFile(join(dir, 'a-file'), '');
    let reports = 0;
    const watcher = new DirectoryWatcher({
      directory: join(dir, 'a-file', 'below'),
      intervalMs: 20,
      logger,
      onChange: () => reports++,
    });
    watcher.start();
    try {
      await eventually(() => assert.ok(reports >= 2, `${reports} reports`));
      assert.deepEqual(
        logs.map((line) => line.msg),
        ['cannot watch the route directory; periodic scans continue'],
      );
    } finally {
      watcher.stop();
    }
  });

  test('a directory that does not exist yet is left to the interval without a warning: the route directory reports it', async () => {
    const { logger, logs } = memoryLogger();
    let reports = 0;
    const watcher = new DirectoryWatcher({
      directory: join(dir, 'does-not-exist'),
      intervalMs: 20,
      logger,
      onChange: () => reports++,
    });
    watcher.start();
    try {
      await eventually(() => assert.ok(reports >= 2, `${reports} reports`));
      assert.deepEqual(logs, []);
    } finally {
      watcher.stop();
    }
  });

  test('an interval longer than a timer can hold is not taken as 1 ms', async () => {
    // 30 days: node would clamp a delay past 2^31 - 1 ms to 1 ms, a scan every millisecond.
    const { watcher, reports } = counting(30 * 24 * HOUR);
    watcher.start();
    try {
      await sleep(SETTLE_MS);
      assert.equal(reports(), 0);
    } finally {
      watcher.stop();
    }
  });
});
