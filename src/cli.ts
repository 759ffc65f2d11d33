#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { errorCatalogue } from './errors/catalogue.js';
import { formatExcerpt, formatPlace, type TollgateError } from './errors/tollgate-error.js';
import { asErrors } from './heap/heap.js';
import { startGateway, validateFiles } from './index.js';
import { createLogger, type LogFormat } from './observability/logger.js';

const usage = `Usage:
  tollgate start [--config-dir DIR] [--routes DIR] [--port N] [--host ADDR] [--log-format json|pretty] [--log-level LEVEL]
  tollgate validate FILE|DIR...

start     serves the routes of DIR (default <config-dir>/routes, or ./routes) with admin.json and
          config.json from --config-dir (default: the working directory; a config/ sub-folder is accepted).
validate  checks route files, admin.json and config.json; prints each error with its code, file and
          JSON pointer; exits 1 when any file has an error.`;

/**
 * One line per error, `CODE file#/pointer: what is wrong`; a file that does not parse has the line
 * it goes wrong on under its error, indented, with a caret under the column.
 */
function printErrors(errors: readonly TollgateError[]): void {
  for (const error of errors) {
    const what = error.detail ?? errorCatalogue[error.code].message;
    console.error(
      error.place ? `${error.code} ${formatPlace(error.place)}: ${what}` : `${error.code}: ${what}`,
    );
    if (error.source) console.error(formatExcerpt(error.source));
  }
}

async function start(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      'config-dir': { type: 'string' },
      routes: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      'log-format': { type: 'string', default: 'json' },
      'log-level': { type: 'string', default: 'info' },
    },
  });
  const format = values['log-format'] as LogFormat;
  if (format !== 'json' && format !== 'pretty')
    throw new Error(`--log-format must be json or pretty, not ${format}`);
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535))
    throw new Error(`--port must be a port number, not ${values.port}`);
  const logger = createLogger({ format, level: values['log-level'] });
  let gateway;
  try {
    gateway = await startGateway({
      configDir: values['config-dir'],
      routesDir: values.routes,
      port,
      host: values.host,
      logger,
    });
  } catch (error) {
    printErrors(asErrors(error));
    return 1;
  }
  const stop = (): void => {
    void gateway.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  return -1;
}

async function validate(paths: string[]): Promise<number> {
  if (paths.length === 0) {
    console.error(usage);
    return 2;
  }
  const logger = createLogger({ level: 'silent' });
  const { env } = process;
  const clean: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (value !== undefined) clean[name] = value;
  const reports = await validateFiles(paths, { env: { env: clean, system: {} }, logger });
  let failed = false;
  for (const report of reports) {
    if (report.errors.length === 0) console.log(`ok ${report.file}`);
    else {
      failed = true;
      printErrors(report.errors);
    }
  }
  return failed ? 1 : 0;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'start':
      return start(rest);
    case 'validate':
      return validate(rest);
    case undefined:
    case '--help':
    case '-h':
    case 'help':
      console.log(usage);
      return command === undefined ? 2 : 0;
    default:
      console.error(`unknown command "${command}"\n${usage}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 2;
  },
);
