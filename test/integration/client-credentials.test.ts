// ClientCredentialsOAuth2ClientFilter over real sockets: the gateway gets a client_credentials
// token from the dev AS and sends it to a real backend; the dev AS confirms the token is its own.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { request } from 'undici';
import { startDevAs, type DevAs } from '../../examples/dev-as/server.js';
import { startBackend, type Backend } from '../fixtures/backend.js';
import { startTestGateway, type TestGateway } from '../fixtures/gateway.js';

describe('ClientCredentialsOAuth2ClientFilter in a route', () => {
  let as: DevAs;
  let backend: Backend;
  let tg: TestGateway;

  before(async () => {
    as = await startDevAs();
    backend = await startBackend();
    const secretsProvider = { type: 'SystemAndEnvSecretStore' };
    tg = await startTestGateway({
      env: { CLIENT_SECRET: Buffer.from('password').toString('base64') },
      routes: {
        'service.json': {
          baseURI: backend.url,
          handler: {
            type: 'Chain',
            config: {
              filters: [
                {
                  type: 'ClientCredentialsOAuth2ClientFilter',
                  config: {
                    secretsProvider,
                    tokenEndpoint: as.tokenEndpoint,
                    scopes: ['mail'],
                    endpointHandler: {
                      type: 'Chain',
                      config: {
                        filters: [
                          {
                            type: 'ClientSecretBasicAuthenticationFilter',
                            config: {
                              clientId: 'client-application',
                              clientSecretId: 'client.secret',
                              secretsProvider,
                            },
                          },
                        ],
                        handler: 'ForgeRockClientHandler',
                      },
                    },
                  },
                },
              ],
              handler: 'ReverseProxyHandler',
            },
          },
        },
      },
    });
  });

  after(async () => {
    await tg?.close();
    await backend?.close();
    await as?.close();
  });

  test('concurrent requests reach the backend with one token the AS issued to the client', async () => {
    const before = as.tokenRequests();
    const statuses = await Promise.all(
      Array.from({ length: 6 }, async (_, i) => {
        const response = await request(`${tg.url}/api/${i}`);
        await response.body.text();
        return response.statusCode;
      }),
    );
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 200]);
    assert.equal(as.tokenRequests() - before, 1, 'one token request for all of them');
    const authorizations = new Set(backend.requests.map((r) => r.headers.authorization));
    assert.equal(authorizations.size, 1);
    const [authorization] = authorizations;
    assert.match(authorization ?? '', /^Bearer \S+$/);

    const introspection = await request(as.introspectionEndpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from('ig_agent:password').toString('base64')}`,
      },
      body: new URLSearchParams({ token: authorization!.slice('Bearer '.length) }).toString(),
    });
    const info = (await introspection.body.json()) as { active: boolean; client_id: string; scope: string };
    assert.equal(info.active, true);
    assert.equal(info.client_id, 'client-application');
    assert.equal(info.scope, 'mail');
  });
});
