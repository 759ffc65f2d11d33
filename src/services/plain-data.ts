/** Deeper than this, context data is left out of the input: it is a cycle or nothing a scope rule needs. */
const MAX_INPUT_DEPTH = 8;

/**
 * A copy of `value` with data only: strings, numbers, booleans, null, arrays and plain objects
 * (copied without a prototype). Class instances (an Error, a Request), functions, symbols and
 * bigints are left out, so the expression sees values, never objects with behaviour.
 */
export function plainData(value: unknown, depth = 0): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'object' || depth >= MAX_INPUT_DEPTH) return undefined;
  if (Array.isArray(value)) {
    return value.map((item) => plainData(item, depth + 1)).filter((item) => item !== undefined);
  }
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return undefined;
  const copy: Record<string, unknown> = Object.create(null);
  for (const [key, item] of Object.entries(value)) {
    const data = plainData(item, depth + 1);
    if (data !== undefined) copy[key] = data;
  }
  return copy;
}
