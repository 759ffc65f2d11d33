import assert from 'node:assert/strict';
import type { PeerCertificate } from 'node:tls';
import { describe, test } from 'node:test';
import type { ClientTls } from '../../../src/services/client-tls-options.js';
import {
  identityCheck,
  opensslCipher,
  protocolRange,
  withHostnameVerifier,
} from '../../../src/services/client-tls-options.js';
import { tlsFile } from '../../fixtures/tls-backend.js';
import { FILE, harness } from '../filters/harness.js';

const base64 = (text: string): string => Buffer.from(text).toString('base64');

const store = {
  type: 'Base64EncodedSecretStore',
  config: {
    secrets: {
      'trusted.cert': base64(tlsFile('cert.pem')),
      'client.pair': base64(tlsFile('other-name-pair.pem')),
      'not.pem': base64('plain text'),
    },
  },
};

function tlsOf(config: Record<string, unknown>): ClientTls {
  return harness().build<ClientTls>([{ name: 'tls', type: 'ClientTlsOptions', config }], 'tls', 'TlsOptions');
}

describe('ClientTlsOptions maps to node:tls options', () => {
  test('sslEnabledProtocols gives the lowest and highest version; SSL protocols are refused', () => {
    const place = { file: FILE, pointer: '/p' };
    assert.deepEqual(protocolRange(['TLSv1.3', 'TLSv1.2'], place), {
      minVersion: 'TLSv1.2',
      maxVersion: 'TLSv1.3',
    });
    assert.deepEqual(
      harness().errorsOf([
        { name: 't', type: 'ClientTlsOptions', config: { sslEnabledProtocols: ['TLSv1.2', 'SSLv3'] } },
      ]),
      [`TG_CONFIG_BAD_VALUE ${FILE}#/heap/0/config/sslEnabledProtocols/1`],
    );
  });

  test("sslCipherSuites in Java's names become OpenSSL's; TLS 1.3 and OpenSSL names pass as they are", async () => {
    assert.equal(opensslCipher('TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'), 'ECDHE-RSA-AES128-GCM-SHA256');
    assert.equal(opensslCipher('TLS_AES_128_GCM_SHA256'), 'TLS_AES_128_GCM_SHA256');
    const loaded = await tlsOf({
      sslCipherSuites: ['TLS_AES_256_GCM_SHA384', 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384'],
      sslEnabledProtocols: ['TLSv1.2'],
    }).load();
    assert.deepEqual(loaded, {
      ciphers: 'TLS_AES_256_GCM_SHA384:ECDHE-ECDSA-AES256-GCM-SHA384',
      minVersion: 'TLSv1.2',
      maxVersion: 'TLSv1.2',
    });
  });

  test('hostnameVerifier: STRICT checks the name as node:tls does, ALLOW_ALL checks none', () => {
    const certificate = {
      subject: { CN: 'other.example' },
      subjectaltname: 'DNS:other.example',
    } as PeerCertificate;
    assert.ok(identityCheck('STRICT')('localhost', certificate) instanceof Error);
    assert.equal(identityCheck('STRICT')('other.example', certificate), undefined);
    assert.equal(identityCheck('ALLOW_ALL')('localhost', certificate), undefined);
  });

  test("the handler's hostnameVerifier applies only where ClientTlsOptions names none", async () => {
    const certificate = { subject: { CN: 'x' }, subjectaltname: 'DNS:x' } as PeerCertificate;
    const own = await withHostnameVerifier(tlsOf({ hostnameVerifier: 'STRICT' }), 'ALLOW_ALL').load();
    assert.ok(own.checkServerIdentity!('y', certificate) instanceof Error);
    const inherited = await withHostnameVerifier(tlsOf({}), 'ALLOW_ALL').load();
    assert.equal(inherited.checkServerIdentity!('y', certificate), undefined);
  });

  test('trust managers replace the default roots with the certificates their secrets hold', async () => {
    const loaded = await tlsOf({
      trustManager: [
        {
          type: 'SecretsTrustManager',
          config: { verificationSecretId: 'trusted.cert', secretsProvider: store },
        },
      ],
    }).load();
    assert.deepEqual(loaded.ca, [tlsFile('cert.pem')]);
    assert.equal(loaded.rejectUnauthorized, undefined);
  });

  test('a TrustAllManager turns the check off', async () => {
    const loaded = await tlsOf({ trustManager: { type: 'TrustAllManager' } }).load();
    assert.equal(loaded.rejectUnauthorized, false);
    assert.equal(loaded.ca, undefined);
  });

  test('a key manager gives the private key and the certificate chain of its secret', async () => {
    const loaded = await tlsOf({
      keyManager: {
        type: 'SecretsKeyManager',
        config: { signingSecretId: ['client.pair'], secretsProvider: store },
      },
    }).load();
    assert.match(String(loaded.key), /^-----BEGIN PRIVATE KEY-----/);
    assert.equal(loaded.cert, tlsFile('other-name-cert.pem'));
  });

  test('a secret without the PEM it should hold fails the load with TG_SECRET_BAD_FORMAT', async () => {
    for (const config of [
      {
        trustManager: {
          type: 'SecretsTrustManager',
          config: { verificationSecretId: 'not.pem', secretsProvider: store },
        },
      },
      {
        keyManager: {
          type: 'SecretsKeyManager',
          config: { signingSecretId: 'trusted.cert', secretsProvider: store },
        },
      },
    ]) {
      await assert.rejects(tlsOf(config).load(), { code: 'TG_SECRET_BAD_FORMAT' });
    }
  });

  test('config errors carry a code and a pointer', () => {
    const errorsOf = (config: unknown): string[] =>
      harness().errorsOf([{ name: 't', type: 'ClientTlsOptions', config }]);
    assert.deepEqual(errorsOf({ hostnameVerifier: 'BROWSER' }), [
      `TG_CONFIG_SCHEMA ${FILE}#/heap/0/config/hostnameVerifier`,
    ]);
    assert.deepEqual(errorsOf({ trustManagers: [] }), [
      `TG_CONFIG_UNKNOWN_PROPERTY ${FILE}#/heap/0/config/trustManagers`,
    ]);
    assert.deepEqual(errorsOf({ trustManager: 'ClientHandler' }), [
      `TG_CONFIG_WRONG_KIND ${FILE}#/heap/0/config/trustManager`,
    ]);
    assert.deepEqual(
      errorsOf({ trustManager: { type: 'SecretsTrustManager', config: { secretsProvider: store } } }),
      [`TG_CONFIG_MISSING_PROPERTY ${FILE}#/heap/0/config/trustManager/config/verificationSecretId`],
    );
  });
});
