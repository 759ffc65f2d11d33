// Runs the dev authorization server from the command line:
//   node dist/examples/dev-as/main.js --port 8088 [--host 127.0.0.1] [--ttl 3600] [--verbose]
import { parseArgs } from 'node:util';
import { defaultClients, startDevAs } from './server.js';

const USAGE = `usage: node dist/examples/dev-as/main.js [--port 8088] [--host 127.0.0.1] [--ttl 3600] [--verbose]
Starts a development OAuth 2.0 authorization server with PingAM's URL layout (see examples/dev-as/README.md).`;

function integer(name: string, value: string, min: number): number {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < min) {
    console.error(`--${name} must be an integer >= ${min}\n${USAGE}`);
    process.exit(2);
  }
  return parsed;
}

function parseOptions() {
  try {
    return parseArgs({
      options: {
        port: { type: 'string', default: '8088' },
        host: { type: 'string', default: '127.0.0.1' },
        ttl: { type: 'string', default: '3600' },
        verbose: { type: 'boolean', short: 'v', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }).values;
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    process.exit(2);
  }
}

const values = parseOptions();
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

const devAs = await startDevAs({
  host: values.host,
  port: integer('port', values.port, 0),
  accessTokenTtlSeconds: integer('ttl', values.ttl, 1),
  ...(values.verbose ? { log: (line: string) => console.log(line) } : {}),
});

const clients = defaultClients()
  .map(
    (client) => `  ${client.clientId.padEnd(26)} ${client.grantTypes.join(', ') || '(introspection only)'}`,
  )
  .join('\n');
console.log(`dev authorization server (not for production) listening
  AM base URL (AmService.url)  ${devAs.url}
  issuer                       ${devAs.issuer}
  token endpoint               ${devAs.tokenEndpoint}
  introspection endpoint       ${devAs.introspectionEndpoint}
  JWKS                         ${devAs.jwksUri}
  JWT access tokens for        ${devAs.jwtResource} (password grant with resource=…)
user: demo / Ch4ng31t; client secrets: "password" (jwtClient uses private_key_jwt and has no keys here)
${clients}
Ctrl-C stops it.`);

const stop = (signal: NodeJS.Signals): void => {
  console.log(`${signal}: stopping`);
  devAs.close().then(
    () => {
      process.exitCode = 0;
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
