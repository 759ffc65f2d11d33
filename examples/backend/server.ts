import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';

export interface SampleBackendOptions {
  readonly host?: string;
  readonly port?: number;
  /** Where to introspect the bearer tokens it receives (RFC 7662). */
  readonly introspectionEndpoint: string;
  readonly clientId: string;
  readonly clientSecret: string;
}

export interface SampleBackend {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * The demo's protected API. It trusts nothing it is told: it introspects the bearer token it
 * receives and answers with what the authorization server says about it, so a caller can see that
 * the gateway forwarded the exchanged token (its client, scopes, audience, `act`), never the original.
 */
export async function startSampleBackend(options: SampleBackendOptions): Promise<SampleBackend> {
  const basic = Buffer.from(
    `${encodeURIComponent(options.clientId)}:${encodeURIComponent(options.clientSecret)}`,
  ).toString('base64');
  const server: Server = createServer((req, res) => {
    void (async () => {
      const reply = (status: number, body: unknown): void => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(`${JSON.stringify(body, null, 2)}\n`);
      };
      const authorization = req.headers.authorization ?? '';
      if (!authorization.startsWith('Bearer ')) {
        reply(401, { error: 'no bearer token' });
        return;
      }
      try {
        const answer = await request(options.introspectionEndpoint, {
          method: 'POST',
          headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ token: authorization.slice(7) }).toString(),
        });
        const info = (await answer.body.json()) as Record<string, unknown>;
        if (info.active !== true) {
          reply(401, { error: 'inactive token' });
          return;
        }
        reply(200, {
          api: 'sample backend',
          path: req.url,
          token: {
            sub: info.sub,
            client_id: info.client_id,
            scope: info.scope,
            aud: info.aud,
            act: info.act ?? null,
            may_act: info.may_act ?? null,
          },
        });
      } catch (error) {
        reply(502, { error: 'introspection failed', detail: (error as Error).message });
      }
    })();
  });
  await new Promise<void>((done) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', done));
  const { port, address } = server.address() as AddressInfo;
  return {
    url: `http://${address}:${port}`,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
