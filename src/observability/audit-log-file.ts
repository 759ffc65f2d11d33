import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { TollgateError } from '../errors/tollgate-error.js';

/** Where audit events of one topic go, one JSON object a line. */
export interface AuditSink {
  write(event: Record<string, unknown>): void;
  close(): Promise<void>;
}

/**
 * `<logDirectory>/<topic>.audit.json`, appended to, as PingGateway's JsonAuditEventHandler names
 * it. The directory is made when missing. A write that fails is logged once per file, not once
 * per event: a full disk should not flood the log it shares.
 */
export async function openAuditFile(directory: string, topic: string, logger: Logger): Promise<AuditSink> {
  const file = join(directory, `${topic}.audit.json`);
  let stream: WriteStream;
  try {
    await mkdir(directory, { recursive: true });
    stream = createWriteStream(file, { flags: 'a' });
    await new Promise<void>((opened, failed) => {
      stream.once('open', () => opened());
      stream.once('error', failed);
    });
  } catch (error) {
    throw new TollgateError('TG_START_AUDIT_LOG', `${file}: ${(error as Error).message}`, { cause: error });
  }
  let reported = false;
  stream.on('error', (error) => {
    if (reported) return;
    reported = true;
    logger.error({ code: 'TG_AUDIT_WRITE', file, err: error }, 'audit events cannot be written');
  });
  return {
    write: (event) => {
      stream.write(`${JSON.stringify(event)}\n`);
    },
    close: () => new Promise<void>((closed) => stream.end(() => closed())),
  };
}

/** Standard output, as PingGateway's JsonStdoutAuditEventHandler writes, each line marked as audit. */
export function stdoutAuditSink(topic: string): AuditSink {
  return {
    write: (event) => {
      process.stdout.write(`${JSON.stringify({ ...event, source: 'audit', topic, level: 'INFO' })}\n`);
    },
    close: () => Promise.resolve(),
  };
}
