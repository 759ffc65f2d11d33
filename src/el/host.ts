/**
 * How expressions read host objects. The evaluator reads own properties of plain objects and
 * arrays, and nothing else, except from objects that implement this protocol: a Request, a
 * Headers map, an Entity. That keeps `constructor`, `__proto__` and methods out of reach. The
 * expression language knows host objects only through these symbols, never by class, so el/
 * imports nothing from the http/ model that implements them.
 */
export const elGet: unique symbol = Symbol('tollgate.el.get');
export const elSet: unique symbol = Symbol('tollgate.el.set');
export const elKeys: unique symbol = Symbol('tollgate.el.keys');
export const elText: unique symbol = Symbol('tollgate.el.text');

export interface ElReadable {
  /** The value of the property `name`, or undefined when there is none. */
  [elGet](name: string): unknown;
}

export interface ElWritable {
  /** Sets the property `name`; returns false when it is read-only. */
  [elSet](name: string, value: unknown): boolean;
}

/**
 * A host object expressions treat as a map (a Headers map): its names are what `keys()`,
 * `length()`, `contains()`, `empty` and its string form go through; each value is read by elGet.
 */
export interface ElMap extends ElReadable {
  /** The names, in order, in a new array. */
  [elKeys](): string[];
}

/** A host object whose string form is its text (a URI): EL converts and compares it by that text. */
export interface ElText {
  [elText](): string;
}

export function isElReadable(value: unknown): value is ElReadable {
  return typeof value === 'object' && value !== null && elGet in value;
}

export function isElWritable(value: unknown): value is ElWritable {
  return typeof value === 'object' && value !== null && elSet in value;
}

export function isElMap(value: unknown): value is ElMap {
  return typeof value === 'object' && value !== null && elKeys in value;
}

export function isElText(value: unknown): value is ElText {
  return typeof value === 'object' && value !== null && elText in value;
}
