/**
 * Evaluations per second of two expressions every token-exchange route runs per request (the
 * route condition and the response entity template), and of conditions whose patterns are not
 * plain literals, which take the regex engine itself. Build first, then:
 *   node dist/bench/el.bench.js [milliseconds per case, default 2000]
 */
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { compileCondition, compileTemplate, createBuiltinFunctions } from '../src/el/index.js';
import { Entity } from '../src/http/entity.js';
import { Headers } from '../src/http/headers.js';
import { Request } from '../src/http/message.js';
import { RequestUri } from '../src/http/uri.js';
import { Cancellation } from '../src/http/cancellation.js';
import { Exchange } from '../src/http/exchange.js';

const durationMs = Number(process.argv[2] ?? 2000);
const place = { file: 'bench', pointer: '' };
const functions = createBuiltinFunctions();

const exchange = new Exchange({
  request: new Request({
    method: 'POST',
    uri: RequestUri.parse('http://gateway.example:8080/token-exchange/api?x=1'),
    headers: Headers.fromRecord({ Authorization: 'Bearer eyJhbGciOiJSUzI1NiJ9.e30.sig' }),
    entity: new Entity(''),
  }),
  client: {
    remoteAddress: '127.0.0.1',
    remotePort: 50000,
    localAddress: '127.0.0.1',
    localPort: 8080,
    isSecure: false,
    userAgent: null,
  },
  log: pino({ level: 'silent' }),
  environment: { env: {}, system: {} },
  maxEntityBytes: 1024,
  cancellation: new Cancellation(),
  transactionId: 'bench',
});
exchange.contexts.oauth2TokenExchange = {
  issuedToken: 'eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.issued.sig',
  issuedTokenType: 'urn:ietf:params:oauth:token-type:access_token',
};

const condition = compileCondition("${find(request.uri.path, '^/token-exchange')}", { place, functions });
const versioned = compileCondition("${find(request.uri.path, '^/token-exchange/[a-z]+$')}", {
  place,
  functions,
});
const bearer = compileCondition("${find(request.headers['Authorization'][0], '(?i)^bearer ')}", {
  place,
  functions,
});
const groups = compileTemplate("${findGroups(request.uri.path, '^/([^/]+)/(\\\\w+)')[2]}", {
  place,
  functions,
});
const entity = compileTemplate(
  '{"access_token": "${contexts.oauth2TokenExchange.issuedToken}", "issued_token_type": "${contexts.oauth2TokenExchange.issuedTokenType}"}',
  { place, functions },
);

function measure(name: string, run: () => unknown): void {
  for (let i = 0; i < 10_000; i++) run();
  let count = 0;
  let sink: unknown;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < durationMs) {
    for (let i = 0; i < 1_000; i++) sink = run();
    count += 1_000;
    elapsed = performance.now() - start;
  }
  const perSecond = Math.round((count / elapsed) * 1000);
  console.log(
    `${name.padEnd(32)} ${perSecond.toLocaleString('en-US').padStart(14)} evaluations/s  (last: ${JSON.stringify(sink).slice(0, 40)})`,
  );
}

measure('condition find(path, …)', () => condition.test(exchange));
measure('entity template (2 parts)', () => entity.evaluate(exchange));
measure('condition find(path, [a-z]+$)', () => versioned.test(exchange));
measure('condition (?i)^bearer', () => bearer.test(exchange));
measure('findGroups(path, …)[2]', () => groups.evaluate(exchange));
