import { elGet, elKeys, elSet, type ElMap, type ElWritable } from '../el/host.js';

/**
 * One request's session: the `session` that expressions read and write (`${session.user}`). Its
 * values are loaded on first use, by the function its manager gives (reading a store, opening a
 * cookie), so a request that never touches the session pays nothing for it. The manager decides
 * at the end of the request whether to save it, from `loaded` and `changed`.
 */
export class Session implements ElMap, ElWritable {
  #values: Map<string, unknown> | undefined;
  readonly #load: () => Iterable<readonly [string, unknown]>;
  readonly #accepts: (name: string, value: unknown) => boolean;
  #changed = false;

  /**
   * `load` gives the stored values; it runs once, on first use, and must not throw (a store that
   * cannot be read gives no values). `accepts` refuses the values the store cannot keep (a
   * cookie session keeps JSON only); a refused write leaves the session as it was.
   */
  constructor(
    load: () => Iterable<readonly [string, unknown]>,
    accepts: (name: string, value: unknown) => boolean = () => true,
  ) {
    this.#load = load;
    this.#accepts = accepts;
  }

  /** Whether anything read or wrote the session in this request. */
  get loaded(): boolean {
    return this.#values !== undefined;
  }

  /** Whether a value was set or removed since the session was loaded. */
  get changed(): boolean {
    return this.#changed;
  }

  get size(): number {
    return this.#map().size;
  }

  get(name: string): unknown {
    return this.#map().get(name);
  }

  /** Sets a value; null or undefined removes it, as in PingGateway. False when the value is refused. */
  set(name: string, value: unknown): boolean {
    if (value === null || value === undefined) {
      this.delete(name);
      return true;
    }
    if (!this.#accepts(name, value)) return false;
    this.#map().set(name, value);
    this.#changed = true;
    return true;
  }

  delete(name: string): void {
    if (this.#map().delete(name)) this.#changed = true;
  }

  clear(): void {
    if (this.#map().size > 0) this.#changed = true;
    this.#map().clear();
  }

  keys(): string[] {
    return [...this.#map().keys()];
  }

  /** The values as a plain object without a prototype, for a store to keep or serialise. */
  toRecord(): Record<string, unknown> {
    return Object.assign(Object.create(null) as Record<string, unknown>, Object.fromEntries(this.#map()));
  }

  #map(): Map<string, unknown> {
    this.#values ??= new Map(this.#load());
    return this.#values;
  }

  [elGet](name: string): unknown {
    return this.get(name);
  }

  [elSet](name: string, value: unknown): boolean {
    return this.set(name, value);
  }

  [elKeys](): string[] {
    return this.keys();
  }
}
