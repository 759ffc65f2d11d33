/**
 * The benchmark's upstream, run as a child process so its CPU is its own:
 *   node dist/bench/backend.js [--port N]
 * Prints one JSON line `{"port":N}` once listening on 127.0.0.1; exits when its standard input
 * closes (the parent went away) or on SIGTERM/SIGINT.
 *
 *   /bench/small       a small fixed JSON body (what the req/s cases proxy)
 *   /bench/echo        the request's method, path and headers as JSON (the pre-checks)
 *   /bench/big?mib=N   N MiB (at most 1024) of bytes, streamed with back-pressure
 *   /bench/sink        reads and counts the request body, answers {"bytes":N}
 * Anything before `/bench/` is ignored (`/r099/bench/small` is `/bench/small`), so that routes
 * told apart by a path prefix reach the same endpoints.
 */
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { serveAsChild } from './lib/child-server.js';

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' } } });
const SMALL = Buffer.from(JSON.stringify({ ok: true, service: 'bench-backend', items: [1, 2, 3] }));
const CHUNK = Buffer.alloc(64 * 1024, 'x');
const MAX_MIB = 1024;

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://backend');
  let bytes = 0;
  req.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
  });
  req.on('end', () => {
    const at = url.pathname.indexOf('/bench/');
    switch (at > 0 ? url.pathname.slice(at) : url.pathname) {
      case '/bench/small':
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': SMALL.length });
        res.end(SMALL);
        return;
      case '/bench/echo': {
        const body = JSON.stringify({ method: req.method, path: url.pathname, headers: req.headers });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(body);
        return;
      }
      case '/bench/sink': {
        const body = JSON.stringify({ bytes });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(body);
        return;
      }
      case '/bench/big': {
        const mib = Number(url.searchParams.get('mib') ?? '1');
        if (!Number.isInteger(mib) || mib < 1 || mib > MAX_MIB) {
          res.writeHead(400).end();
          return;
        }
        const total = mib * 1024 * 1024;
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': total });
        let sent = 0;
        const pump = (): void => {
          while (sent < total) {
            sent += CHUNK.length;
            if (!res.write(CHUNK)) {
              res.once('drain', pump);
              return;
            }
          }
          res.end();
        };
        pump();
        return;
      }
      default:
        res.writeHead(404).end();
    }
  });
});
server.keepAliveTimeout = 65_000;

serveAsChild(server, Number(values.port));
