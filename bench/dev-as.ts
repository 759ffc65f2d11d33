/**
 * The dev authorization server as a child process, so its CPU per exchange can be measured apart
 * from the gateway's:  node dist/bench/dev-as.js
 * Prints one JSON line `{"tokenEndpoint": …, "pid": …}` once listening on 127.0.0.1; exits when
 * its standard input closes (the parent went away) or on SIGTERM/SIGINT.
 */
import { startDevAs } from '../examples/dev-as/server.js';

const devAs = await startDevAs({ host: '127.0.0.1', port: 0 });
const stop = (): void => {
  void devAs.close().finally(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
process.stdin.on('end', stop).on('error', stop).resume();
process.stdout.write(`${JSON.stringify({ tokenEndpoint: devAs.tokenEndpoint, pid: process.pid })}\n`);
