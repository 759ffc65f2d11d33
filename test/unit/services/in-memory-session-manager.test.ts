import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SessionManager } from '../../../src/http/session-manager.js';
import type { Session } from '../../../src/http/session.js';
import { InMemorySessionManager } from '../../../src/services/in-memory-session-manager.js';
import { cookiePair, sessionRoundTrip } from '../../fixtures/session.js';
import { FILE, harness } from '../filters/harness.js';

function roundTrip(
  manager: SessionManager,
  cookie: string | undefined,
  use: (session: Session) => void,
): Promise<string[]> {
  return sessionRoundTrip(
    manager,
    harness().incoming({ headers: cookie === undefined ? {} : { cookie } }),
    use,
  );
}

function build(config: Record<string, unknown> = {}): InMemorySessionManager {
  return harness().build<InMemorySessionManager>(
    [{ name: 'S', type: 'InMemorySessionManager', config }],
    'S',
    'SessionManager',
  );
}

describe('InMemorySessionManager', () => {
  test('a written session sets IG_SESSIONID once, and the next request with it reads the values back', async () => {
    const manager = build();
    const [first] = await roundTrip(manager, undefined, (s) => assert.ok(s.set('user', 'alice')));
    assert.match(first!, /^IG_SESSIONID=[A-Za-z0-9_-]{32}; Path=\/; HttpOnly$/);
    const later = await roundTrip(manager, cookiePair(first), (s) => {
      assert.equal(s.get('user'), 'alice');
      s.set('visits', 2);
    });
    assert.deepEqual(later, [], 'the id stays the same, so no new cookie');
    await roundTrip(manager, cookiePair(first), (s) => assert.equal(s.get('visits'), 2));
  });

  test('a request that only reads, or never touches, the session stores nothing and sets no cookie', async () => {
    const manager = build();
    assert.deepEqual(await roundTrip(manager, undefined, (s) => assert.equal(s.get('user'), undefined)), []);
    assert.deepEqual(await roundTrip(manager, undefined, () => {}), []);
    assert.equal(manager.count, 0);
  });

  test('an id the gateway did not give out (or forgot) is an empty session, and a write gets a new id', async () => {
    const manager = build();
    const [issued] = await roundTrip(manager, undefined, (s) => s.set('user', 'alice'));
    const forged = `IG_SESSIONID=${cookiePair(issued)
      .slice('IG_SESSIONID='.length)
      .replace(/^./, (c) => (c === 'A' ? 'B' : 'A'))}`;
    const [renewed] = await roundTrip(manager, forged, (s) => {
      assert.equal(s.size, 0);
      s.set('user', 'mallory');
    });
    assert.notEqual(cookiePair(renewed), forged);
    await roundTrip(manager, cookiePair(issued), (s) => assert.equal(s.get('user'), 'alice'));
  });

  test('a session ends `timeout` after the last request that used it', async () => {
    let now = 1_000_000;
    const manager = new InMemorySessionManager({
      timeoutMs: 60_000,
      cookie: build().cookie,
      now: () => now,
    });
    const [issued] = await roundTrip(manager, undefined, (s) => s.set('user', 'alice'));
    now += 59_000;
    await roundTrip(manager, cookiePair(issued), (s) => assert.equal(s.get('user'), 'alice'));
    now += 59_000;
    await roundTrip(manager, cookiePair(issued), (s) =>
      assert.equal(s.get('user'), 'alice', 'the last request renewed it'),
    );
    now += 60_000;
    await roundTrip(manager, cookiePair(issued), (s) => assert.equal(s.size, 0));
    assert.equal(manager.count, 0, 'the expired session is forgotten');
  });

  test('a request that never uses the session does not look it up, so does not renew it', async () => {
    let now = 0;
    const manager = new InMemorySessionManager({ timeoutMs: 60_000, cookie: build().cookie, now: () => now });
    const [issued] = await roundTrip(manager, undefined, (s) => s.set('user', 'alice'));
    now = 59_000;
    await roundTrip(manager, cookiePair(issued), () => {});
    now = 60_000;
    await roundTrip(manager, cookiePair(issued), (s) => assert.equal(s.size, 0));
  });

  test('the sweep forgets expired sessions no request asks for', async () => {
    let now = 0;
    const manager = new InMemorySessionManager({ timeoutMs: 1000, cookie: build().cookie, now: () => now });
    await roundTrip(manager, undefined, (s) => s.set('a', 1));
    await roundTrip(manager, undefined, (s) => s.set('b', 1));
    now = 999;
    manager.sweep();
    assert.equal(manager.count, 2);
    now = 1000;
    manager.sweep();
    assert.equal(manager.count, 0);
  });

  test('past maxSessions the least recently used session is dropped, and the warning given', async () => {
    let evictions = 0;
    const manager = new InMemorySessionManager({
      timeoutMs: 60_000,
      cookie: build().cookie,
      maxSessions: 2,
      onEvict: () => evictions++,
    });
    const first = (await roundTrip(manager, undefined, (s) => s.set('n', 1)))[0]!;
    const second = (await roundTrip(manager, undefined, (s) => s.set('n', 2)))[0]!;
    // Using the first makes the second the least recently used.
    await roundTrip(manager, cookiePair(first), (s) => assert.equal(s.get('n'), 1));
    await roundTrip(manager, undefined, (s) => s.set('n', 3));
    assert.equal(manager.count, 2);
    assert.equal(evictions, 1);
    await roundTrip(manager, cookiePair(second), (s) => assert.equal(s.size, 0));
    await roundTrip(manager, cookiePair(first), (s) => assert.equal(s.get('n'), 1));
  });

  test('maxSessions from the config; one TG_SESSION_EVICTED warning for many drops', async () => {
    const h = harness();
    const manager = h.build<InMemorySessionManager>(
      [{ name: 'S', type: 'InMemorySessionManager', config: { maxSessions: 1 } }],
      'S',
      'SessionManager',
    );
    for (let i = 0; i < 5; i++) await roundTrip(manager, undefined, (s) => s.set('n', i));
    assert.equal(manager.count, 1);
    const warnings = h.logs.filter((line) => line.code === 'TG_SESSION_EVICTED');
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]!.place, `${FILE}#/heap/0/config`);
  });

  test('a full store sweeps the expired sessions before it drops a live one', async () => {
    let now = 0;
    let evictions = 0;
    const manager = new InMemorySessionManager({
      timeoutMs: 1000,
      cookie: build().cookie,
      maxSessions: 2,
      onEvict: () => evictions++,
      now: () => now,
    });
    await roundTrip(manager, undefined, (s) => s.set('a', 1));
    now = 500;
    const live = (await roundTrip(manager, undefined, (s) => s.set('b', 1)))[0]!;
    now = 1200;
    await roundTrip(manager, undefined, (s) => s.set('c', 1));
    assert.equal(evictions, 0);
    assert.equal(manager.count, 2);
    await roundTrip(manager, cookiePair(live), (s) => assert.equal(s.get('b'), 1));
  });

  test('emptying a session removes it and expires the cookie', async () => {
    const manager = build();
    const [issued] = await roundTrip(manager, undefined, (s) => s.set('user', 'alice'));
    const [expired] = await roundTrip(manager, cookiePair(issued), (s) => s.clear());
    assert.match(
      expired!,
      /^IG_SESSIONID=; Path=\/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; HttpOnly$/,
    );
    assert.equal(manager.count, 0);
  });

  test('the cookie attributes come from `cookie`, their values may be expressions', async () => {
    const h = harness({ env: { SECURE: 'true' } });
    const manager = h.build<SessionManager>(
      [
        {
          name: 'S',
          type: 'InMemorySessionManager',
          config: {
            timeout: '10 minutes',
            cookie: {
              name: 'SID',
              path: '/app',
              domain: 'example.com',
              httpOnly: false,
              secure: "${env['SECURE']}",
              sameSite: 'strict',
            },
          },
        },
      ],
      'S',
      'SessionManager',
    );
    const [cookie] = await roundTrip(manager, undefined, (s) => s.set('x', 1));
    assert.match(
      cookie!,
      /^SID=[A-Za-z0-9_-]{32}; Path=\/app; Domain=example\.com; Secure; SameSite=Strict$/,
    );
  });

  test('settings PingGateway refuses are config errors with their place', () => {
    const h = harness();
    const errorsOf = (config: unknown): string[] =>
      h.errorsOf([{ name: 'S', type: 'InMemorySessionManager', config }]);
    assert.deepEqual(errorsOf({ timeout: 'zero' }), [`TG_CONFIG_BAD_VALUE ${FILE}#/heap/0/config/timeout`]);
    assert.deepEqual(errorsOf({ timeout: 'soon' }), [
      `TG_CONFIG_BAD_DURATION ${FILE}#/heap/0/config/timeout`,
    ]);
    assert.deepEqual(errorsOf({ cookie: { sameSite: 'sometimes' } }), [
      `TG_CONFIG_BAD_VALUE ${FILE}#/heap/0/config/cookie/sameSite`,
    ]);
    assert.deepEqual(errorsOf({ cookie: { name: 'a b' } }), [
      `TG_CONFIG_BAD_VALUE ${FILE}#/heap/0/config/cookie/name`,
    ]);
    assert.deepEqual(errorsOf({ sessionTimeout: '1 minute' }), [
      `TG_CONFIG_UNKNOWN_PROPERTY ${FILE}#/heap/0/config/sessionTimeout`,
    ]);
  });
});
