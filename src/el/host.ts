/**
 * How expressions read host objects. The evaluator reads own properties of plain objects and
 * arrays, and nothing else, except from objects that implement this protocol: a Request, a
 * Headers map, an Entity. That keeps `constructor`, `__proto__` and methods out of reach.
 */
export const elGet: unique symbol = Symbol('tollgate.el.get');
export const elSet: unique symbol = Symbol('tollgate.el.set');

export interface ElReadable {
  /** The value of the property `name`, or undefined when there is none. */
  [elGet](name: string): unknown;
}

export interface ElWritable {
  /** Sets the property `name`; returns false when it is read-only. */
  [elSet](name: string, value: unknown): boolean;
}

export function isElReadable(value: unknown): value is ElReadable {
  return typeof value === 'object' && value !== null && elGet in value;
}

export function isElWritable(value: unknown): value is ElWritable {
  return typeof value === 'object' && value !== null && elSet in value;
}
