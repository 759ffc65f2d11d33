/**
 * The floor the gateway is read against: a reverse proxy written by hand on node:http and undici,
 * with none of Tollgate's routes, filters or expressions, run as a child process:
 *   node dist/bench/minimal-proxy.js --backend URL [--token-endpoint URL]
 * Forwards every request to the backend (hop-by-hop headers dropped, the body read whole). With
 * `--token-endpoint`, it first exchanges the caller's bearer token there (RFC 8693, as case 3's
 * route does: client_secret_basic, `scope=mail`) and forwards the issued token instead; an
 * exchange that fails is a 502. Prints one JSON line `{"port":N}` once listening on 127.0.0.1;
 * exits when its standard input closes or on SIGTERM/SIGINT.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { parseArgs } from 'node:util';
import { Agent } from 'undici';
import { serveAsChild } from './lib/child-server.js';

const { values } = parseArgs({
  options: { backend: { type: 'string' }, 'token-endpoint': { type: 'string' } },
});
if (values.backend === undefined) {
  console.error('usage: node dist/bench/minimal-proxy.js --backend URL [--token-endpoint URL]');
  process.exit(2);
}
const backend = values.backend;
const tokenEndpoint = values['token-endpoint'] === undefined ? undefined : new URL(values['token-endpoint']);
// The pool size of Tollgate's ClientHandler.
const agent = new Agent({ connections: 64 });
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'host']);
const BASIC = `Basic ${Buffer.from('serviceConfidentialClient:password').toString('base64')}`;
const FIXED_FORM =
  '&subject_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Aaccess_token' +
  '&requested_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Aaccess_token&scope=mail';

function forwarded(headers: IncomingHttpHeaders | Record<string, string | string[] | undefined>) {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
  }
  return out;
}

/** The issued token, or undefined when the exchange failed. */
async function exchange(endpoint: URL, subjectToken: string): Promise<string | undefined> {
  const answer = await agent.request({
    origin: endpoint.origin,
    path: endpoint.pathname,
    method: 'POST',
    headers: {
      authorization: BASIC,
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    },
    body:
      'grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange' +
      `&subject_token=${encodeURIComponent(subjectToken)}${FIXED_FORM}`,
  });
  const json = (await answer.body.json()) as { access_token?: unknown };
  return answer.statusCode === 200 && typeof json.access_token === 'string' ? json.access_token : undefined;
}

const server = createServer((req, res) => {
  void (async () => {
    const headers = forwarded(req.headers);
    if (tokenEndpoint !== undefined) {
      const bearer = req.headers.authorization ?? '';
      const issued = bearer.startsWith('Bearer ')
        ? await exchange(tokenEndpoint, bearer.slice(7))
        : undefined;
      if (issued === undefined) {
        res.writeHead(502).end();
        return;
      }
      headers.authorization = `Bearer ${issued}`;
    }
    const upstream = await agent.request({
      origin: backend,
      path: req.url ?? '/',
      method: req.method as 'GET',
      headers,
    });
    const body = Buffer.from(await upstream.body.arrayBuffer());
    res.writeHead(upstream.statusCode, forwarded(upstream.headers));
    res.end(body);
  })().catch(() => {
    if (!res.headersSent) res.writeHead(502);
    res.end();
  });
});

serveAsChild(server);
