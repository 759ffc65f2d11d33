import { pino, type Logger } from 'pino';

export type LogFormat = 'json' | 'pretty';

/**
 * Paths pino blanks in every log line, whatever logged them: a token or secret that reaches a log
 * object under one of these names never reaches the output.
 */
export const redactPaths: readonly string[] = Object.freeze([
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
  '*.authorization',
  '*.access_token',
  '*.subject_token',
  '*.actor_token',
  '*.client_secret',
  '*.client_assertion',
  '*.password',
  '*.refresh_token',
  'access_token',
  'subject_token',
  'actor_token',
  'client_secret',
  'client_assertion',
  'password',
  'token',
  'secret',
]);

/**
 * The gateway's logger. JSON lines carry an ISO 8601 `time` and the level's name (`"level":"info"`),
 * which people and log shippers read without pino's table; `pretty` is for a terminal, coloured
 * only when standard output is one, so a file it is redirected to holds no escape codes.
 */
export function createLogger(options: {
  level?: string;
  format?: LogFormat;
  destination?: pino.DestinationStream;
}): Logger {
  const base = {
    level: options.level ?? 'info',
    base: { name: 'tollgate' },
    redact: { paths: [...redactPaths], censor: '[REDACTED]' },
  };
  const json = {
    ...base,
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
  };
  if (options.destination) return pino(json, options.destination);
  if (options.format === 'pretty') {
    return pino({
      ...base,
      transport: {
        target: 'pino-pretty',
        options: { colorize: process.stdout.isTTY === true, translateTime: 'SYS:HH:MM:ss.l' },
      },
    });
  }
  // Synchronous writes to standard output: pino's asynchronous default let lines logged in order
  // reach a slow reader out of order (seen on Node 24 under load), and the gateway logs little
  // on the request path; the access log has a buffered destination of its own.
  return pino(json, pino.destination({ dest: 1, sync: true }));
}
