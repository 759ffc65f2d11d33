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
  if (options.destination) return pino(base, options.destination);
  if (options.format === 'pretty') {
    return pino({
      ...base,
      transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l' } },
    });
  }
  return pino(base);
}
