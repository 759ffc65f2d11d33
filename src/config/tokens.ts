import { childPlace, configError, type Place } from '../errors/tollgate-error.js';

/**
 * Configuration tokens, resolved once when a file is loaded, before JSON Schema validation and
 * before any expression is compiled: `&{name}`, `&{name|default}`, nested as in
 * `&{&{scheme|http}.port|8080}`, escaped as `\&{`. The result is always a string.
 *
 * A name is looked up in each property map in order (the route's, then config.json's, then
 * admin.json's), then in the environment as upper case with `.` → `_` (`listen.port` →
 * `LISTEN_PORT`), then in system properties by its exact name. Property maps may nest:
 * `{"urls": {"am": "…"}}` gives `urls.am`. A property value may itself hold tokens.
 */

export interface TokenOptions {
  /** Where the value sits; errors add the JSON Pointer of the string that holds the token. */
  readonly place: Place;
  /** Property maps, searched in order. */
  readonly properties: readonly Readonly<Record<string, unknown>>[];
  readonly env: Readonly<Record<string, string | undefined>>;
  /** System properties, searched after the environment by exact name. */
  readonly system?: Readonly<Record<string, string | undefined>>;
}

function isObject(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `name` in a property map: a key as written (`"a.b": …`) or a path through nested maps. */
function lookupProperty(map: Readonly<Record<string, unknown>>, name: string): unknown {
  if (Object.hasOwn(map, name)) return map[name];
  for (let dot = name.indexOf('.'); dot > 0; dot = name.indexOf('.', dot + 1)) {
    const head = name.slice(0, dot);
    const inner = Object.hasOwn(map, head) ? map[head] : undefined;
    if (isObject(inner)) {
      const found = lookupProperty(inner, name.slice(dot + 1));
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

class Resolver {
  readonly #options: TokenOptions;
  #place: Place;
  /** Names being resolved, to report a property that refers to itself. */
  readonly #resolving: string[] = [];

  constructor(options: TokenOptions) {
    this.#options = options;
    this.#place = options.place;
  }

  walk(value: unknown, place: Place): unknown {
    if (typeof value === 'string') {
      if (!value.includes('&{')) return value;
      this.#place = place;
      return this.expand(value);
    }
    if (Array.isArray(value)) return value.map((item, index) => this.walk(item, childPlace(place, index)));
    if (isObject(value)) {
      // fromEntries defines own properties, so a "__proto__" key stays a key.
      return Object.fromEntries(
        Object.entries(value).map(([key, item]) => [key, this.walk(item, childPlace(place, key))]),
      );
    }
    return value;
  }

  expand(text: string): string {
    return this.#read(text, 0, false).value;
  }

  /**
   * Reads text from `start` up to the end, or (inside a token) up to `}` or a `|` that starts the
   * default. Tokens met on the way are resolved.
   */
  #read(text: string, start: number, inToken: boolean): { value: string; end: number } {
    let value = '';
    let index = start;
    while (index < text.length) {
      if (text.startsWith('\\&{', index)) {
        value += '&{';
        index += 3;
      } else if (text.startsWith('&{', index)) {
        const token = this.#token(text, index + 2);
        value += token.value;
        index = token.end;
      } else if (inToken && (text[index] === '}' || text[index] === '|')) {
        return { value, end: index };
      } else {
        value += text[index];
        index++;
      }
    }
    if (inToken) throw this.#malformed(text);
    return { value, end: index };
  }

  /** Resolves the token whose name starts at `start` (just after `&{`); `end` is past its `}`. */
  #token(text: string, start: number): { value: string; end: number } {
    const name = this.#read(text, start, true);
    if (text[name.end] === '}') {
      return {
        value: this.#resolve(name.value.trim()) ?? this.#unresolved(name.value.trim()),
        end: name.end + 1,
      };
    }
    // A default runs to the closing brace; `|` inside it is text.
    let fallback = '';
    let index = name.end + 1;
    for (;;) {
      const part = this.#read(text, index, true);
      fallback += part.value;
      if (text[part.end] === '}') {
        index = part.end + 1;
        break;
      }
      fallback += '|';
      index = part.end + 1;
    }
    return { value: this.#resolve(name.value.trim()) ?? fallback, end: index };
  }

  #resolve(name: string): string | undefined {
    if (name === '')
      throw configError('TG_CONFIG_BAD_VALUE', this.#place, 'a configuration token has no name');
    for (const properties of this.#options.properties) {
      const found = lookupProperty(properties, name);
      if (typeof found === 'string') return this.#expandProperty(name, found);
      if (typeof found === 'number' || typeof found === 'boolean') return String(found);
    }
    const fromEnv = this.#options.env[name.toUpperCase().replaceAll('.', '_')];
    if (fromEnv !== undefined) return fromEnv;
    return this.#options.system?.[name];
  }

  #expandProperty(name: string, value: string): string {
    if (!value.includes('&{')) return value;
    if (this.#resolving.includes(name)) {
      throw configError(
        'TG_CONFIG_UNRESOLVED_TOKEN',
        this.#place,
        `the property "${name}" refers to itself through ${[...this.#resolving, name].join(' → ')}`,
      );
    }
    this.#resolving.push(name);
    try {
      return this.expand(value);
    } finally {
      this.#resolving.pop();
    }
  }

  #unresolved(name: string): never {
    throw configError(
      'TG_CONFIG_UNRESOLVED_TOKEN',
      this.#place,
      `&{${name}} is not a property nor an environment variable (${name.toUpperCase().replaceAll('.', '_')}), and has no default`,
    );
  }

  #malformed(text: string): Error {
    return configError(
      'TG_CONFIG_BAD_VALUE',
      this.#place,
      `unterminated configuration token in ${JSON.stringify(text)}`,
    );
  }
}

/**
 * A copy of a parsed JSON value with every token resolved. Throws TG_CONFIG_UNRESOLVED_TOKEN
 * (with the file and the JSON Pointer of the string) for a token with no value and no default.
 */
export function resolveTokens(value: unknown, options: TokenOptions): unknown {
  return new Resolver(options).walk(value, options.place);
}

/** The tokens of one string resolved; errors point at `options.place`. */
export function resolveTokensInString(text: string, options: TokenOptions): string {
  return new Resolver(options).expand(text);
}
