import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { AdminConfig } from '../../../src/server/instance.js';
import { planListeners } from '../../../src/server/listener-plan.js';

const ADMIN = '/etc/tollgate/admin.json';
const tlsDir = join(dirname(fileURLToPath(import.meta.url)), '../../../../test/fixtures/tls');
const tls = { keyFile: join(tlsDir, 'key.pem'), certFile: join(tlsDir, 'cert.pem') };

function planOf(admin: AdminConfig, overrides: { port?: number; host?: string } = {}) {
  return planListeners(admin, ADMIN, overrides);
}

/** The code and place of what planListeners throws. */
function failureOf(admin: AdminConfig, overrides: { port?: number; host?: string } = {}): string {
  try {
    planOf(admin, overrides);
  } catch (error) {
    const { code, place } = error as { code: string; place?: { file?: string; pointer: string } };
    return `${code} ${place?.file}#${place?.pointer}`;
  }
  return 'no error';
}

describe('the connectors', () => {
  test('without connectors, one listener on 0.0.0.0:8080 with a 10 second grace period', () => {
    const plan = planOf({});
    assert.deepEqual(
      plan.listeners.map(({ host, port, tls }) => ({ host, port, tls })),
      [{ host: '0.0.0.0', port: 8080, tls: undefined }],
    );
    assert.equal(plan.gracePeriodMs, 10_000);
    assert.equal(plan.admin, undefined);
  });

  test('a connector with several ports gives a listener per port, each at its connector', () => {
    const plan = planOf({
      connectors: [
        { port: [8080, 8081], host: '127.0.0.1' },
        { port: 8443, tls },
      ],
    });
    assert.deepEqual(
      plan.listeners.map(({ host, port, place }) => `${host}:${port} ${place.pointer}`),
      ['127.0.0.1:8080 /connectors/0', '127.0.0.1:8081 /connectors/0', '0.0.0.0:8443 /connectors/1'],
    );
    assert.ok(plan.listeners[2]!.tls?.key.toString().includes('PRIVATE KEY'));
  });

  test('the longest grace period applies, and --port keeps it', () => {
    const connectors = [
      { port: 8080, gracePeriod: '2 seconds' },
      { port: 8081, gracePeriod: 'unlimited' },
    ];
    assert.equal(planOf({ connectors }).gracePeriodMs, Infinity);
    assert.equal(planOf({ connectors }, { port: 0 }).gracePeriodMs, Infinity);
  });

  test('bad values are errors at their place in admin.json', () => {
    assert.equal(
      failureOf({ connectors: [{ port: 8080 }, { port: 8081, gracePeriod: 'soon' }] }),
      `TG_CONFIG_BAD_DURATION ${ADMIN}#/connectors/1/gracePeriod`,
    );
    assert.equal(
      failureOf({
        connectors: [{ port: 8443, tls: { keyFile: '/no/such/key.pem', certFile: tls.certFile } }],
      }),
      `TG_START_TLS ${ADMIN}#/connectors/0/tls`,
    );
  });
});

describe('the admin connector', () => {
  test('is planned apart from the connectors, on 0.0.0.0 unless it names a host', () => {
    const plan = planOf({ connectors: [{ port: 8080 }], adminConnector: { port: 8085 } });
    assert.deepEqual(
      plan.listeners.map(({ port }) => port),
      [8080],
    );
    assert.deepEqual(
      { host: plan.admin?.host, port: plan.admin?.port, tls: plan.admin?.tls, place: plan.admin?.place },
      { host: '0.0.0.0', port: 8085, tls: undefined, place: { file: ADMIN, pointer: '/adminConnector' } },
    );
    assert.equal(planOf({ adminConnector: { port: 8085, host: '127.0.0.1' } }).admin?.host, '127.0.0.1');
  });

  test('--port replaces the connectors only; --host applies to an admin connector without a host', () => {
    const plan = planOf(
      { connectors: [{ port: 8080 }], adminConnector: { port: 8085 } },
      { port: 0, host: '127.0.0.1' },
    );
    assert.deepEqual(
      plan.listeners.map(({ host, port }) => `${host}:${port}`),
      ['127.0.0.1:0'],
    );
    assert.equal(`${plan.admin?.host}:${plan.admin?.port}`, '127.0.0.1:8085');
  });

  test('reads its TLS files before anything opens, and says where when it cannot', () => {
    assert.ok(
      planOf({ adminConnector: { port: 8085, tls } })
        .admin?.tls?.cert.toString()
        .includes('CERTIFICATE'),
    );
    assert.equal(
      failureOf({
        adminConnector: { port: 8085, tls: { keyFile: tls.keyFile, certFile: '/no/such/cert.pem' } },
      }),
      `TG_START_TLS ${ADMIN}#/adminConnector/tls`,
    );
  });

  test("a port a connector also takes on the same addresses is refused at the admin connector's port", () => {
    assert.equal(
      failureOf({ connectors: [{ port: [8080, 8085] }], adminConnector: { port: 8085, host: '127.0.0.1' } }),
      `TG_CONFIG_BAD_VALUE ${ADMIN}#/adminConnector/port`,
    );
    assert.equal(
      failureOf({ connectors: [{ port: 8085, host: '127.0.0.1' }], adminConnector: { port: 8085 } }),
      `TG_CONFIG_BAD_VALUE ${ADMIN}#/adminConnector/port`,
    );
    assert.equal(
      failureOf({
        connectors: [{ port: 8085, host: '127.0.0.1' }],
        adminConnector: { port: 8085, host: '127.0.0.2' },
      }),
      'no error',
    );
    // Port 0 is a free port picked when the socket opens: never the same as another.
    assert.equal(failureOf({ adminConnector: { port: 0 } }, { port: 0 }), 'no error');
  });
});
