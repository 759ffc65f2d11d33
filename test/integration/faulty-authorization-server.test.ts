// The OAuth2TokenExchangeFilter against a real node:http server that answers what a faulty
// authorization server answers, over sockets on 127.0.0.1: what oidc-provider cannot be made to
// say, such as a 500 that repeats the request it was sent, tokens and client secret included.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { request } from 'undici';
import { startTestGateway, type TestGateway } from '../fixtures/gateway.js';

const CLIENT_SECRET = `client-secret-${randomUUID()}`;

interface FaultyAnswer {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

/** What each path of the faulty server answers, given the form it was sent (raw and parsed). */
const ANSWERS: Readonly<Record<string, (raw: string, form: URLSearchParams) => FaultyAnswer>> = {
  'server-error': (raw) => ({ status: 500, contentType: 'text/plain', body: `cannot handle ${raw}` }),
  'html-400': (raw) => ({ status: 400, contentType: 'text/html', body: `<p>bad request: ${raw}</p>` }),
  'json-without-error': (raw) => ({
    status: 400,
    contentType: 'application/json',
    body: JSON.stringify({ message: 'bad request', request: raw }),
  }),
  'text-401': (raw) => ({ status: 401, contentType: 'text/plain', body: `who are you? ${raw}` }),
  'grant-echo': (_raw, form) => ({
    status: 400,
    contentType: 'application/json',
    body: JSON.stringify({
      error: 'invalid_grant',
      error_description: `subject token ${form.get('subject_token')} refused for actor ${form.get('actor_token')}`,
    }),
  }),
  'token-invalid-request': () => ({
    status: 400,
    contentType: 'application/json',
    body: JSON.stringify({ error: 'invalid_request', error_description: 'the subject_token is not a JWT' }),
  }),
  'unsafe-description': () => ({
    status: 403,
    contentType: 'application/json',
    body: JSON.stringify({
      error: 'access_denied',
      error_description: 'Acc\u00e8s refus\u00e9\r\nFAKE: "admin" \\ only \u202eevil',
    }),
  }),
  'bare-invalid-request': () => ({
    status: 400,
    contentType: 'application/json',
    body: JSON.stringify({ error: 'invalid_request' }),
  }),
  'html-200': (raw) => ({ status: 200, contentType: 'text/html', body: `<p>welcome ${raw}</p>` }),
  'issued-type-echo': (_raw, form) => ({
    status: 200,
    contentType: 'application/json',
    body: JSON.stringify({
      access_token: 'issued',
      token_type: 'Bearer',
      issued_token_type: form.get('subject_token'),
    }),
  }),
};

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function startFaultyAs(): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer(async (req, res) => {
    const raw = await readBody(req);
    const answer = ANSWERS[new URL(req.url ?? '/', 'http://as').pathname.slice(1)];
    if (answer === undefined) {
      res.writeHead(404).end();
      return;
    }
    const { status, contentType, body } = answer(raw, new URLSearchParams(raw));
    res.writeHead(status, { 'content-type': contentType }).end(body);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

/** A route at /te/<path> exchanging the bearer token (and X-Actor-Token) at <as>/<path>. */
function route(path: string, asUrl: string): unknown {
  return {
    condition: `\${request.uri.path == '/te/${path}'}`,
    heap: [
      {
        name: 'Secrets',
        type: 'Base64EncodedSecretStore',
        config: { secrets: { 'client.secret': Buffer.from(CLIENT_SECRET).toString('base64') } },
      },
    ],
    handler: {
      type: 'Chain',
      config: {
        filters: [
          {
            type: 'OAuth2TokenExchangeFilter',
            config: {
              endpoint: `${asUrl}/${path}`,
              subjectToken: "${request.headers['Authorization'][0].substring(7)}",
              actorToken: "${request.headers['X-Actor-Token'][0]}",
              scopes: ['mail'],
              endpointHandler: {
                type: 'Chain',
                config: {
                  handler: 'ForgeRockClientHandler',
                  filters: [
                    {
                      type: 'ClientSecretPostAuthenticationFilter',
                      config: {
                        clientId: 'gateway',
                        clientSecretId: 'client.secret',
                        secretsProvider: 'Secrets',
                      },
                    },
                  ],
                },
              },
            },
          },
        ],
        handler: { type: 'StaticResponseHandler', config: { status: 200, entity: 'exchanged' } },
      },
    },
  };
}

describe('OAuth2TokenExchangeFilter against a faulty authorization server', () => {
  let as: Awaited<ReturnType<typeof startFaultyAs>>;
  let tg: TestGateway;
  /** Every credential the gateway sent, to prove none reached the logs. */
  const sent = new Set<string>([CLIENT_SECRET]);

  before(async () => {
    as = await startFaultyAs();
    tg = await startTestGateway({
      routes: Object.fromEntries(Object.keys(ANSWERS).map((path) => [`${path}.json`, route(path, as.url)])),
    });
  });

  after(async () => {
    await tg?.close();
    await as?.close();
  });

  async function exchange(path: string): Promise<{ status: number; challenge: unknown }> {
    const subject = `subject-${randomUUID()}`;
    const actor = `actor-${randomUUID()}`;
    sent.add(subject);
    sent.add(actor);
    const res = await request(`${tg.url}/te/${path}`, {
      headers: { authorization: `Bearer ${subject}`, 'x-actor-token': actor },
    });
    await res.body.text();
    return { status: res.statusCode, challenge: res.headers['www-authenticate'] };
  }

  const lastFailure = (): Record<string, unknown> =>
    tg.logs.filter((line) => line.code === 'TG_OAUTH2_EXCHANGE_FAILED').at(-1)!;

  const cases: [string, number, string, string?][] = [
    ['server-error', 502, 'as_server_error'],
    ['html-400', 502, 'as_server_error'],
    ['json-without-error', 502, 'as_server_error'],
    ['text-401', 500, 'as_client_auth_rejected'],
    [
      'grant-echo',
      401,
      'as_oauth_error',
      'Bearer error="invalid_token", error_description="subject token [REDACTED] refused for actor [REDACTED]"',
    ],
    [
      'token-invalid-request',
      400,
      'as_oauth_error',
      'Bearer error="invalid_request", error_description="the subject_token is not a JWT"',
    ],
    [
      'unsafe-description',
      403,
      'as_oauth_error',
      'Bearer error="insufficient_scope", error_description="Acces refuse FAKE: \'admin\' only evil"',
    ],
    ['bare-invalid-request', 500, 'as_configuration_error'],
    ['html-200', 502, 'as_server_error'],
    ['issued-type-echo', 502, 'response_check'],
  ];
  for (const [path, status, situation, challenge] of cases) {
    test(`${path}: ${status}, situation ${situation}, ${challenge ?? 'no challenge'}`, async () => {
      const answer = await exchange(path);
      assert.equal(answer.status, status);
      assert.equal(answer.challenge, challenge);
      assert.equal(lastFailure().situation, situation);
    });
  }

  test('the 500 that repeats the request: status, media type and size in the detail, no body', async () => {
    await exchange('server-error');
    assert.match(
      String(lastFailure().detail),
      /^the authorization server answered 500 \(text\/plain, \d+ bytes\)$/,
    );
  });

  test("the server's description keeps its words, not the tokens it repeats", async () => {
    await exchange('grant-echo');
    assert.equal(lastFailure().description, 'subject token [REDACTED] refused for actor [REDACTED]');
  });

  test('no log line holds a token or the client secret', () => {
    assert.ok(sent.size > cases.length * 2);
    for (const line of tg.logs.map((entry) => JSON.stringify(entry))) {
      for (const credential of sent) assert.ok(!line.includes(credential), `logged: ${line}`);
    }
  });
});
