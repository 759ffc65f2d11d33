import { childPointer, TollgateError, type Place } from '../errors/tollgate-error.js';

/**
 * Where `config` uses any of `ignoredKeys` (a path with dots for nested keys, `*` for every item of
 * a list), each as "pointer (reason)".
 */
export function ignoredKeyNotes(
  config: unknown,
  ignoredKeys: Readonly<Record<string, string>>,
  place: Place,
): string[] {
  const notes: string[] = [];
  const visit = (value: unknown, tokens: readonly string[], pointer: string, reason: string): void => {
    if (value === undefined) return;
    if (tokens.length === 0) {
      notes.push(`${pointer} (${reason})`);
      return;
    }
    if (typeof value !== 'object' || value === null) return;
    const [token, ...rest] = tokens;
    if (token === '*') {
      if (Array.isArray(value))
        value.forEach((item, index) => visit(item, rest, childPointer(pointer, index), reason));
      return;
    }
    visit((value as Record<string, unknown>)[token!], rest, childPointer(pointer, token!), reason);
  };
  for (const [path, reason] of Object.entries(ignoredKeys))
    visit(config, path.split('.'), place.pointer, reason);
  return notes;
}

/** The one warning a file gets for the keys it uses that have no meaning here. */
export function ignoredKeysWarning(file: string, notes: readonly string[]): TollgateError {
  return new TollgateError(
    'TG_CONFIG_IGNORED_KEYS',
    `ignored, with no meaning on Node: ${notes.join('; ')}`,
    {
      place: { file, pointer: '' },
    },
  );
}
