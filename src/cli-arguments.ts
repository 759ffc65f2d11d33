import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { TollgateError } from './errors/tollgate-error.js';
import type { LogFormat } from './observability/logger.js';
import { MAX_GATEWAY_UNITS } from './server/instance.js';

/** What `tollgate start` was asked for, flags first, then the TOLLGATE_* variables. */
export interface StartArguments {
  readonly configDir: string | undefined;
  readonly routesDir: string | undefined;
  readonly port: number | undefined;
  readonly host: string | undefined;
  readonly logFormat: LogFormat;
  readonly logLevel: string;
  /** Worker processes, overriding admin.json's `gatewayUnits`. */
  readonly units: number | undefined;
}

export type CommandName = 'start' | 'validate';

export type CommandLine =
  | { readonly command: 'help'; readonly topic: CommandName | undefined }
  | { readonly command: 'version' }
  | { readonly command: 'start'; readonly arguments: StartArguments }
  | { readonly command: 'validate'; readonly paths: readonly string[] };

interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  /** The environment variable read when the flag is not given. */
  readonly env?: string;
  readonly value?: string;
  readonly description: string;
}

const helpOption: OptionSpec = { type: 'boolean', short: 'h', description: 'print this help and exit' };

/** pino's level names, and `silent`; anything else would reach pino and fail with its own words. */
export const logLevels: readonly string[] = [...Object.keys(pino.levels.values), 'silent'];

const startOptions: Readonly<Record<string, OptionSpec>> = {
  'config-dir': {
    type: 'string',
    env: 'TOLLGATE_CONFIG_DIR',
    value: 'DIR',
    description:
      'where admin.json and config.json are (default: the working directory; a config/ sub-folder is accepted)',
  },
  routes: {
    type: 'string',
    env: 'TOLLGATE_ROUTES_DIR',
    value: 'DIR',
    description: 'the routes directory (default: <config-dir>/routes); it must exist',
  },
  port: {
    type: 'string',
    env: 'TOLLGATE_PORT',
    value: 'N',
    description: "one listener on port N (0-65535, 0 picks a free one) instead of admin.json's connectors",
  },
  host: {
    type: 'string',
    env: 'TOLLGATE_HOST',
    value: 'ADDR',
    description:
      'the address to listen on, for --port and connectors without a host (default: 0.0.0.0, every interface)',
  },
  'log-format': {
    type: 'string',
    env: 'TOLLGATE_LOG_FORMAT',
    value: 'json|pretty',
    description: 'JSON lines (default) or text for people',
  },
  'log-level': {
    type: 'string',
    env: 'TOLLGATE_LOG_LEVEL',
    value: 'LEVEL',
    description: `one of ${logLevels.join(', ')} (default: info)`,
  },
  units: {
    type: 'string',
    env: 'TOLLGATE_UNITS',
    value: 'N',
    description:
      "worker processes sharing the listeners, instead of admin.json's gatewayUnits (default: one per CPU)",
  },
  help: helpOption,
};

const validateOptions: Readonly<Record<string, OptionSpec>> = { help: helpOption };

const summaries: Readonly<Record<CommandName, string>> = {
  start: 'serves the routes, with admin.json and config.json; SIGTERM or SIGINT drains it and exits 0',
  validate:
    'checks route files, admin.json and config.json as start would load them; prints each error with its code, file and JSON pointer',
};

function optionLines(options: Readonly<Record<string, OptionSpec>>): string[] {
  const entries = Object.entries(options).map(([name, spec]) => {
    const flag = `${spec.short ? `-${spec.short}, ` : '    '}--${name}${spec.value ? ` ${spec.value}` : ''}`;
    const env = spec.env ? ` [env ${spec.env}]` : '';
    return [flag, `${spec.description}${env}`] as const;
  });
  const width = Math.max(...entries.map(([flag]) => flag.length));
  return entries.map(([flag, text]) => `  ${flag.padEnd(width)}  ${text}`);
}

/** The usage of the tool, or of one command with every option it takes. */
export function usageOf(topic?: CommandName): string {
  if (topic === 'start') {
    return [
      'Usage: tollgate start [options]',
      '',
      summaries.start,
      '',
      'Options (a flag wins over its environment variable):',
      ...optionLines(startOptions),
      '',
      'Exit codes: 0 stopped by a signal, 1 a configuration or start-up error, 2 a usage error.',
    ].join('\n');
  }
  if (topic === 'validate') {
    return [
      'Usage: tollgate validate [options] FILE|DIR...',
      '',
      summaries.validate,
      '',
      'Options:',
      ...optionLines(validateOptions),
      '  --  what follows is a file name, even when it starts with -',
      '',
      'Exit codes: 0 every file is valid, 1 a file has an error, 2 a usage error.',
    ].join('\n');
  }
  return [
    'Usage: tollgate <command> [options]',
    '',
    'Commands:',
    `  start            ${summaries.start}`,
    `  validate         ${summaries.validate}`,
    '  help [COMMAND]   print the usage of the tool or of COMMAND',
    '',
    'Options:',
    '  -h, --help     print this help and exit',
    '  -v, --version  print the version and exit',
    '',
    "Run 'tollgate <command> --help' for the options of a command.",
  ].join('\n');
}

function usageError(detail: string, topic?: CommandName): TollgateError {
  const help = topic ? `tollgate ${topic} --help` : 'tollgate --help';
  return new TollgateError('TG_CLI_USAGE', `${detail} (see '${help}')`);
}

/**
 * The flags of one command, read from parseArgs' tokens rather than its strict mode, so that each
 * mistake is worded with the option as it was typed. A string option takes the next argument
 * unless it starts with `-`: `--port --host x` is a missing value, not a port named `--host`.
 */
function readFlags(
  args: readonly string[],
  options: Readonly<Record<string, OptionSpec>>,
  topic: CommandName,
): { values: Map<string, string | true>; positionals: string[] } {
  const config = Object.fromEntries(
    Object.entries(options).map(([name, spec]) => [
      name,
      spec.short ? { type: spec.type, short: spec.short } : { type: spec.type },
    ]),
  );
  const { tokens } = parseArgs({
    args: [...args],
    options: config,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const values = new Map<string, string | true>();
  const positionals: string[] = [];
  for (const token of tokens) {
    if (token.kind === 'positional') positionals.push(token.value);
    if (token.kind !== 'option') continue;
    const spec = options[token.name];
    if (spec === undefined) throw usageError(`unknown option ${token.rawName}`, topic);
    if (spec.type === 'boolean') {
      if (token.value !== undefined) throw usageError(`${token.rawName} takes no value`, topic);
      values.set(token.name, true);
    } else if (token.value === undefined || (!token.inlineValue && token.value.startsWith('-'))) {
      throw usageError(`${token.rawName} needs a value (${spec.value})`, topic);
    } else {
      values.set(token.name, token.value);
    }
  }
  return { values, positionals };
}

/** A flag's value, else its environment variable's, with the name to put in an error. */
function setting(
  name: string,
  values: ReadonlyMap<string, string | true>,
  env: Readonly<Record<string, string | undefined>>,
): { value: string; from: string } | undefined {
  const flag = values.get(name);
  if (typeof flag === 'string') return { value: flag, from: `--${name}` };
  const variable = startOptions[name]?.env;
  const fromEnv = variable === undefined ? undefined : env[variable];
  return fromEnv === undefined || fromEnv === '' ? undefined : { value: fromEnv, from: variable! };
}

function readStart(
  values: ReadonlyMap<string, string | true>,
  env: Readonly<Record<string, string | undefined>>,
): StartArguments {
  const port = setting('port', values, env);
  const portNumber = port === undefined ? undefined : portOf(port.value);
  if (port !== undefined && portNumber === undefined) {
    throw usageError(`${port.from} is "${port.value}"; it must be a port number from 0 to 65535`, 'start');
  }
  const format = setting('log-format', values, env);
  if (format !== undefined && format.value !== 'json' && format.value !== 'pretty') {
    throw usageError(`${format.from} is "${format.value}"; it must be json or pretty`, 'start');
  }
  const level = setting('log-level', values, env);
  if (level !== undefined && !logLevels.includes(level.value)) {
    throw usageError(`${level.from} is "${level.value}"; it must be one of ${logLevels.join(', ')}`, 'start');
  }
  const units = setting('units', values, env);
  const unitCount = units === undefined ? undefined : unitsOf(units.value);
  if (units !== undefined && unitCount === undefined) {
    throw usageError(
      `${units.from} is "${units.value}"; it must be a whole number from 1 to ${MAX_GATEWAY_UNITS}`,
      'start',
    );
  }
  return {
    configDir: setting('config-dir', values, env)?.value,
    routesDir: setting('routes', values, env)?.value,
    port: portNumber,
    host: setting('host', values, env)?.value,
    logFormat: (format?.value ?? 'json') as LogFormat,
    logLevel: level?.value ?? 'info',
    units: unitCount,
  };
}

function unitsOf(text: string): number | undefined {
  const units = /^\d{1,4}$/.test(text) ? Number(text) : NaN;
  return units >= 1 && units <= MAX_GATEWAY_UNITS ? units : undefined;
}

/** Digits only, as a person writes a port: no sign, no exponent, no blanks. */
function portOf(text: string): number | undefined {
  const port = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  return port <= 65535 ? port : undefined;
}

function isCommand(name: string | undefined): name is CommandName {
  return name === 'start' || name === 'validate';
}

/**
 * What the command line asks for. Throws TG_CLI_USAGE, worded for the person who typed it, for an
 * unknown command or option, a missing or bad value (from a flag or a TOLLGATE_* variable) and a
 * missing file list; help wins over any other mistake on the same line.
 */
export function parseCommandLine(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): CommandLine {
  const [first, ...rest] = argv;
  if (first === undefined) throw usageError('no command given');
  if (first === '-h' || first === '--help') return { command: 'help', topic: undefined };
  if (first === '-v' || first === '--version') return { command: 'version' };
  if (first === 'help') {
    const [topic, ...extra] = rest;
    if (topic !== undefined && !isCommand(topic)) throw usageError(`unknown command "${topic}"`);
    if (extra.length > 0) throw usageError(`unexpected argument "${extra[0]}"`);
    return { command: 'help', topic };
  }
  if (!isCommand(first)) {
    throw usageError(first.startsWith('-') ? `unknown option ${first}` : `unknown command "${first}"`);
  }
  const options = first === 'start' ? startOptions : validateOptions;
  if (wantsHelp(rest)) return { command: 'help', topic: first };
  const { values, positionals } = readFlags(rest, options, first);
  if (first === 'validate') {
    if (positionals.length === 0) throw usageError('validate needs at least one FILE or DIR', 'validate');
    return { command: 'validate', paths: positionals };
  }
  if (positionals.length > 0) throw usageError(`unexpected argument "${positionals[0]}"`, 'start');
  return { command: 'start', arguments: readStart(values, env) };
}

/** `-h` or `--help` before any `--`: what comes after `--` is a file name. */
function wantsHelp(args: readonly string[]): boolean {
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).some((arg) => arg === '-h' || arg === '--help');
}
