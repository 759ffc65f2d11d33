import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parseDocument } from 'yaml';
import { configError } from '../errors/tollgate-error.js';

export const routeExtensions = new Set(['.json', '.yaml', '.yml']);

/** 1-based line and column of a character offset, for parse errors. */
function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return `line ${line}, column ${column}`;
}

/** Parses JSON or YAML text by the file's extension; errors carry the line and column. */
export function parseConfigText(text: string, file: string): unknown {
  const place = { file, pointer: '' };
  if (extname(file).toLowerCase() === '.json') {
    try {
      return JSON.parse(text);
    } catch (error) {
      const message = (error as Error).message;
      const offset = /position (\d+)/.exec(message)?.[1];
      const where = offset === undefined ? '' : ` (${lineColumn(text, Number(offset))})`;
      throw configError('TG_CONFIG_PARSE', place, `${message}${where}`, error);
    }
  }
  const document = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  const problem = document.errors[0];
  if (problem) throw configError('TG_CONFIG_PARSE', place, problem.message.split('\n')[0]);
  return document.toJS({ maxAliasCount: 100 });
}

export async function readConfigFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw configError('TG_CONFIG_READ', { file, pointer: '' }, (error as Error).message, error);
  }
  return parseConfigText(text, file);
}
