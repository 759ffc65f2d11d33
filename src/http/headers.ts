import { elGet, elKeys, type ElMap } from '../el/host.js';

/**
 * HTTP headers as PingGateway shows them: a case-insensitive map of name to a list of values.
 * Names keep the case they were first set with, for forwarding.
 */
export class Headers implements ElMap {
  readonly #values = new Map<string, { name: string; values: string[] }>();

  static fromRaw(rawHeaders: readonly string[]): Headers {
    const headers = new Headers();
    for (let i = 0; i + 1 < rawHeaders.length; i += 2) headers.add(rawHeaders[i]!, rawHeaders[i + 1]!);
    return headers;
  }

  static fromRecord(record: Record<string, string | readonly string[] | undefined>): Headers {
    const headers = new Headers();
    for (const [name, value] of Object.entries(record)) {
      if (value === undefined) continue;
      if (typeof value === 'string') headers.add(name, value);
      else for (const v of value) headers.add(name, v);
    }
    return headers;
  }

  get(name: string): readonly string[] | undefined {
    return this.#values.get(name.toLowerCase())?.values;
  }

  first(name: string): string | undefined {
    return this.#values.get(name.toLowerCase())?.values[0];
  }

  has(name: string): boolean {
    return this.#values.has(name.toLowerCase());
  }

  add(name: string, value: string): void {
    const key = name.toLowerCase();
    const existing = this.#values.get(key);
    if (existing) existing.values.push(value);
    else this.#values.set(key, { name, values: [value] });
  }

  set(name: string, values: string | readonly string[]): void {
    this.#values.set(name.toLowerCase(), {
      name,
      values: typeof values === 'string' ? [values] : [...values],
    });
  }

  delete(name: string): boolean {
    return this.#values.delete(name.toLowerCase());
  }

  /** Deletes every header whose lower-case name `test` accepts. */
  deleteWhere(test: (lowerCaseName: string) => boolean): void {
    for (const key of this.#values.keys()) if (test(key)) this.#values.delete(key);
  }

  get size(): number {
    return this.#values.size;
  }

  *entries(): IterableIterator<[name: string, values: readonly string[]]> {
    for (const { name, values } of this.#values.values()) yield [name, values];
  }

  /** Flat [name, value, name, value…] list, the form node:http and undici both accept. */
  toRaw(): string[] {
    const raw: string[] = [];
    for (const { name, values } of this.#values.values()) for (const v of values) raw.push(name, v);
    return raw;
  }

  toRecord(): Record<string, string[]> {
    const record: Record<string, string[]> = Object.create(null);
    for (const { name, values } of this.#values.values()) record[name] = [...values];
    return record;
  }

  [elGet](name: string): unknown {
    return this.get(name);
  }

  [elKeys](): string[] {
    return [...this.#values.values()].map(({ name }) => name);
  }
}

// RFC 9110 §5.1 token, and §5.5 field values as node:http and undici accept them (latin1, no controls but tab).
const FIELD_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

export function isValidHeaderName(name: string): boolean {
  return FIELD_NAME.test(name);
}

export function isValidHeaderValue(value: string): boolean {
  return FIELD_VALUE.test(value);
}

/** RFC 9110 §9.1: a method is a token. */
export function isValidMethod(method: string): boolean {
  return FIELD_NAME.test(method);
}
