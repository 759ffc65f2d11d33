#!/usr/bin/env node
import cluster from 'node:cluster';
import { readFileSync } from 'node:fs';
import { parseCommandLine, usageOf, type StartArguments } from './cli-arguments.js';
import { errorCatalogue } from './errors/catalogue.js';
import { formatExcerpt, formatPlace, type TollgateError } from './errors/tollgate-error.js';
import { asErrors } from './heap/heap.js';
import { createBuiltinRegistry, startGateway, validateFiles, type Gateway } from './index.js';
import { createLogger } from './observability/logger.js';
import { toEnvironment } from './server/environment.js';
import { UnitLink } from './server/unit-link.js';
import { UnitSupervisor } from './server/unit-supervisor.js';
import { configuredUnits, unitCount } from './server/units.js';

/**
 * One line per error, `CODE file#/pointer: what is wrong`; a file that does not parse has the line
 * it goes wrong on under its error, indented, with a caret under the column.
 */
function printErrors(errors: readonly TollgateError[], label = ''): void {
  for (const error of errors) {
    const what = error.detail ?? errorCatalogue[error.code].message;
    console.error(
      error.place
        ? `${label}${error.code} ${formatPlace(error.place)}: ${what}`
        : `${label}${error.code}: ${what}`,
    );
    if (error.source) console.error(formatExcerpt(error.source));
  }
}

/**
 * Runs the gateway until SIGTERM or SIGINT, then drains it and exits 0. A signal that comes during
 * start-up is logged at once; start-up finishes its step and the gateway is closed as soon as it
 * is up, so nothing it opened is left behind. A second signal takes node's default and ends the
 * process there and then.
 */
async function start(values: StartArguments): Promise<number> {
  const rootLogger = createLogger({ format: values.logFormat, level: values.logLevel });
  // A signal while admin.json is read for the units is acted on once the gateway or its units start.
  let early: NodeJS.Signals | undefined;
  const remember = (signal: NodeJS.Signals): void => {
    early ??= signal;
  };
  process.on('SIGTERM', remember);
  process.on('SIGINT', remember);
  if (cluster.isPrimary) {
    let units: number;
    try {
      const configured = await configuredUnits({
        configDir: values.configDir,
        routesDir: values.routesDir,
        env: toEnvironment(process.env).env,
        registry: createBuiltinRegistry(),
      });
      units = unitCount(values.units, configured);
    } catch (error) {
      printErrors(asErrors(error));
      return 1;
    } finally {
      process.off('SIGTERM', remember);
      process.off('SIGINT', remember);
    }
    if (units > 1) return supervise(units, rootLogger, early);
  }
  process.off('SIGTERM', remember);
  process.off('SIGINT', remember);
  // A worker of several: the primary forked it with the same command line, and speaks for the instance.
  const unit = cluster.isWorker ? new UnitLink() : undefined;
  const logger = unit ? rootLogger.child({ unit: unit.number }) : rootLogger;
  let gateway: Gateway | undefined;
  let interrupted = false;
  // Every log line written, in order, before the process goes: an exit during an asynchronous
  // write would put the lines still buffered ahead of the one being written.
  const closeAndExit = (running: Gateway): Promise<void> =>
    running.close().then(() => logger.flush(() => process.exit(0)));
  const stop = (signal: NodeJS.Signals | 'drain'): void => {
    if (gateway === undefined) {
      if (interrupted) return;
      interrupted = true;
      logger.warn(
        { code: 'TG_START_INTERRUPTED', signal },
        `${signal} during start-up: the gateway stops once what it opened can be closed`,
      );
      return;
    }
    void closeAndExit(gateway);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  unit?.onDrain(() => stop('drain'));
  if (early !== undefined) stop(early);
  try {
    gateway = await startGateway({
      configDir: values.configDir,
      routesDir: values.routesDir,
      port: values.port,
      host: values.host,
      logger,
      ...(unit ? { unit } : {}),
    });
  } catch (error) {
    printErrors(asErrors(error));
    if (unit) {
      // The IPC channel would hold the process open, and a worker that disconnects exits 0.
      unit.close();
      process.exit(1);
    }
    return 1;
  }
  if (interrupted) await closeAndExit(gateway);
  return -1;
}

/**
 * Runs `units` workers (node:cluster), each a gateway as above, until SIGTERM or SIGINT, then
 * drains them all and exits 0; exits 1 when a unit fails to start, which printed why.
 */
async function supervise(
  units: number,
  logger: ReturnType<typeof createLogger>,
  early: NodeJS.Signals | undefined,
): Promise<number> {
  const supervisor = new UnitSupervisor(units, logger);
  const stop = (): void => void supervisor.close().then(() => logger.flush(() => process.exit(0)));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  if (early !== undefined) stop();
  const outcome = await supervisor.start();
  if (outcome !== 'failed') return -1;
  await supervisor.abort();
  return 1;
}

async function validate(paths: readonly string[]): Promise<number> {
  const logger = createLogger({ level: 'silent' });
  const reports = await validateFiles(paths, { env: toEnvironment(process.env), logger });
  let failed = false;
  for (const report of reports) {
    // A warning does not fail the file: it loads, as start would load it.
    printErrors(report.warnings, 'warning ');
    if (report.errors.length === 0) console.log(`ok ${report.file}`);
    else {
      failed = true;
      printErrors(report.errors);
    }
  }
  return failed ? 1 : 0;
}

/** The version in the package's own package.json, two floors up from dist/src/cli.js. */
function version(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return manifest.version;
}

async function main(argv: string[]): Promise<number> {
  if (argv.length === 0) {
    console.error(usageOf());
    return 2;
  }
  let line;
  try {
    line = parseCommandLine(argv, process.env);
  } catch (error) {
    printErrors(asErrors(error));
    return 2;
  }
  switch (line.command) {
    case 'help':
      console.log(usageOf(line.topic));
      return 0;
    case 'version':
      console.log(version());
      return 0;
    case 'start':
      return start(line.arguments);
    case 'validate':
      return validate(line.paths);
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
