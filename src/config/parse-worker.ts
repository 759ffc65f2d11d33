import { open } from 'node:fs/promises';
import { parentPort } from 'node:worker_threads';
import { configError, type SourcePosition, TollgateError } from '../errors/tollgate-error.js';
import type { ConfigLimits } from './limits.js';
import { parseConfigText } from './parse.js';

/**
 * The loader's worker thread: reads one file and parses it (parse.ts), so that however long a
 * file takes to parse, the event loop that serves requests does not wait for it. The answer is
 * plain data with the warnings the file earned, a coded error, or word that the file is gone.
 */

/** A coded error or warning as it crosses to the loader's thread. */
export interface CodedProblem {
  readonly code: TollgateError['code'];
  readonly pointer: string;
  readonly detail: string;
  readonly source?: SourcePosition;
}

export interface ParseRequest {
  readonly id: number;
  readonly file: string;
  readonly limits: ConfigLimits;
}

export type ParseAnswer =
  | { readonly id: number; readonly value: unknown; readonly warnings: readonly CodedProblem[] }
  | { readonly id: number; readonly missing: true }
  | { readonly id: number; readonly error: CodedProblem };

function coded(error: TollgateError): CodedProblem {
  return {
    code: error.code,
    pointer: error.place?.pointer ?? '',
    detail: error.detail ?? error.message,
    ...(error.source ? { source: error.source } : {}),
  };
}

class FileMissing extends Error {}

async function readText(file: string, limits: ConfigLimits): Promise<string> {
  const place = { file, pointer: '' };
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new FileMissing();
    throw configError('TG_CONFIG_READ', place, (error as Error).message, error);
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw configError('TG_CONFIG_READ', place, 'not a regular file');
    if (info.size > limits.maxFileBytes) {
      throw configError(
        'TG_CONFIG_LIMIT',
        place,
        `the file has ${info.size} bytes; at most ${limits.maxFileBytes} are read`,
      );
    }
    // One byte more than the limit tells a file that grew since stat.
    const buffer = Buffer.alloc(limits.maxFileBytes + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > limits.maxFileBytes)
        throw configError('TG_CONFIG_LIMIT', place, `the file has more than ${limits.maxFileBytes} bytes`);
    }
    const text = buffer.toString('utf8', 0, length);
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  } catch (error) {
    if (error instanceof TollgateError) throw error;
    throw configError('TG_CONFIG_READ', place, (error as Error).message, error);
  } finally {
    await handle.close();
  }
}

async function answer({ id, file, limits }: ParseRequest): Promise<ParseAnswer> {
  try {
    const warnings: CodedProblem[] = [];
    const text = await readText(file, limits);
    const value = parseConfigText(text, file, limits, (warning) => warnings.push(coded(warning)));
    return { id, value, warnings };
  } catch (error) {
    if (error instanceof FileMissing) return { id, missing: true };
    const failure =
      error instanceof TollgateError
        ? error
        : configError(
            'TG_CONFIG_PARSE',
            { file, pointer: '' },
            `the file cannot be parsed: ${String(error)}`,
          );
    return { id, error: coded(failure) };
  }
}

parentPort?.on('message', (request: ParseRequest) => {
  void answer(request).then((reply) => parentPort!.postMessage(reply));
});
