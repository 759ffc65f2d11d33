import { childPlace, configError, type Place } from '../errors/tollgate-error.js';
import { CONFIG_LIMITS, type ConfigLimits } from './limits.js';

/**
 * Configuration tokens, resolved once when a file is loaded, before JSON Schema validation and
 * before any expression is compiled: `&{name}`, `&{name|default}`, nested as in
 * `&{&{scheme|http}.port|8080}`, escaped as `\&{`. The result is always a string.
 *
 * A name is looked up in each property map in order (the route's, then config.json's, then
 * admin.json's), then in the environment as upper case with `.` → `_` (`listen.port` →
 * `LISTEN_PORT`), then in system properties by its exact name. Property maps may nest:
 * `{"urls": {"am": "…"}}` gives `urls.am`. A property value may itself hold tokens.
 *
 * One file's tokens are bounded (limits.ts): how many are resolved, how deeply they nest (through
 * property values too) and how many characters they add, so properties that refer to each other
 * many times over cannot expand without end.
 */

export interface TokenOptions {
  /** Where the value sits; errors add the JSON Pointer of the string that holds the token. */
  readonly place: Place;
  /** Property maps, searched in order. */
  readonly properties: readonly Readonly<Record<string, unknown>>[];
  readonly env: Readonly<Record<string, string | undefined>>;
  /** System properties, searched after the environment by exact name. */
  readonly system?: Readonly<Record<string, string | undefined>>;
  readonly limits?: Pick<ConfigLimits, 'maxTokens' | 'maxTokenDepth' | 'maxTokenOutput'>;
  /**
   * Receives the path of each string that was one token and nothing else (`"&{listen.port|8085}"`),
   * whose result the caller may turn into the number or boolean its place wants (token-coercion.ts).
   */
  readonly wholeTokens?: (string | number)[][];
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
  readonly #limits: NonNullable<TokenOptions['limits']>;
  #place: Place;
  /** Names being resolved, to report a property that refers to itself. */
  readonly #resolving: string[] = [];
  #tokens = 0;
  #output = 0;

  constructor(options: TokenOptions) {
    this.#options = options;
    this.#limits = options.limits ?? CONFIG_LIMITS;
    this.#place = options.place;
  }

  /**
   * The value with its tokens resolved. Containers without tokens come back as they are, and a
   * string's place is worked out only when it holds a token: most of a file has none.
   */
  walk(value: unknown, path: (string | number)[]): unknown {
    if (typeof value === 'string') {
      if (!value.includes('&{')) return value;
      this.#place = childPlace(this.#options.place, ...path);
      if (this.#options.wholeTokens === undefined || !value.startsWith('&{')) return this.expand(value, 0);
      // What expand does, split at the first token to see whether it spans the whole string.
      const token = this.#token(value, 2, 1);
      if (token.end === value.length) {
        this.#options.wholeTokens.push([...path]);
        return token.value;
      }
      return token.value + this.#read(value, token.end, false, 0).value;
    }
    if (Array.isArray(value)) {
      let copy: unknown[] | undefined;
      value.forEach((item, index) => {
        path.push(index);
        const resolved = this.walk(item, path);
        path.pop();
        if (resolved !== item) (copy ??= [...value])[index] = resolved;
      });
      return copy ?? value;
    }
    if (isObject(value)) {
      let changed = false;
      const entries = Object.entries(value).map(([key, item]) => {
        path.push(key);
        const resolved = this.walk(item, path);
        path.pop();
        changed ||= resolved !== item;
        return [key, resolved] as const;
      });
      // fromEntries defines own properties, so a "__proto__" key stays a key.
      return changed ? Object.fromEntries(entries) : value;
    }
    return value;
  }

  expand(text: string, depth: number): string {
    return this.#read(text, 0, false, depth).value;
  }

  /**
   * Reads text from `start` up to the end, or (inside a token) up to `}` or a `|` that starts the
   * default. Tokens met on the way are resolved; plain runs are copied as slices.
   */
  #read(text: string, start: number, inToken: boolean, depth: number): { value: string; end: number } {
    let value = '';
    let index = start;
    let run = start;
    while (index < text.length) {
      const char = text[index];
      if (char === '\\' && text.startsWith('\\&{', index)) {
        value += `${text.slice(run, index)}&{`;
        index += 3;
        run = index;
      } else if (char === '&' && text[index + 1] === '{') {
        value += text.slice(run, index);
        const token = this.#token(text, index + 2, depth + 1);
        value += token.value;
        index = token.end;
        run = index;
      } else if (inToken && (char === '}' || char === '|')) {
        return { value: value + text.slice(run, index), end: index };
      } else {
        index++;
      }
    }
    if (inToken) throw this.#malformed(text);
    return { value: value + text.slice(run, index), end: index };
  }

  /** Resolves the token whose name starts at `start` (just after `&{`); `end` is past its `}`. */
  #token(text: string, start: number, depth: number): { value: string; end: number } {
    if (depth > this.#limits.maxTokenDepth) {
      throw this.#limit(`configuration tokens nest deeper than ${this.#limits.maxTokenDepth} levels`);
    }
    if (++this.#tokens > this.#limits.maxTokens) {
      throw this.#limit(`more than ${this.#limits.maxTokens} configuration tokens are resolved for the file`);
    }
    const name = this.#read(text, start, true, depth);
    if (text[name.end] === '}') {
      return {
        value: this.#counted(this.#resolve(name.value.trim(), depth) ?? this.#unresolved(name.value.trim())),
        end: name.end + 1,
      };
    }
    // A default runs to the closing brace; `|` inside it is text.
    let fallback = '';
    let index = name.end + 1;
    for (;;) {
      const part = this.#read(text, index, true, depth);
      fallback += part.value;
      if (text[part.end] === '}') {
        index = part.end + 1;
        break;
      }
      fallback += '|';
      index = part.end + 1;
    }
    return { value: this.#counted(this.#resolve(name.value.trim(), depth) ?? fallback), end: index };
  }

  /** Counts what a token adds to the file against the limit. */
  #counted(value: string): string {
    this.#output += value.length;
    if (this.#output > this.#limits.maxTokenOutput) {
      throw this.#limit(
        `configuration tokens add more than ${this.#limits.maxTokenOutput} characters to the file`,
      );
    }
    return value;
  }

  #resolve(name: string, depth: number): string | undefined {
    if (name === '')
      throw configError('TG_CONFIG_BAD_VALUE', this.#place, 'a configuration token has no name');
    for (const properties of this.#options.properties) {
      const found = lookupProperty(properties, name);
      if (typeof found === 'string') return this.#expandProperty(name, found, depth);
      if (typeof found === 'number' || typeof found === 'boolean') return String(found);
    }
    const fromEnv = this.#options.env[name.toUpperCase().replaceAll('.', '_')];
    if (fromEnv !== undefined) return fromEnv;
    return this.#options.system?.[name];
  }

  #expandProperty(name: string, value: string, depth: number): string {
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
      return this.expand(value, depth);
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

  #limit(detail: string): Error {
    return configError('TG_CONFIG_LIMIT', this.#place, detail);
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
 * A parsed JSON value with every token resolved; the input is not modified (what holds a token
 * is copied, the rest shared). Throws TG_CONFIG_UNRESOLVED_TOKEN (with the file and the JSON
 * Pointer of the string) for a token with no value and no default, TG_CONFIG_LIMIT past the
 * limits.
 */
export function resolveTokens(value: unknown, options: TokenOptions): unknown {
  return new Resolver(options).walk(value, []);
}

/** The tokens of one string resolved; errors point at `options.place`. */
export function resolveTokensInString(text: string, options: TokenOptions): string {
  return new Resolver(options).expand(text, 0);
}
