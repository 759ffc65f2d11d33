import { configError, type Place, type TollgateError } from '../errors/tollgate-error.js';

/**
 * PingGateway's duration values: English and case-insensitive, such as "10 seconds",
 * "1 minute and 30 seconds", "23 hours, 59 minutes" or "2h". "zero"/"disabled" mean 0;
 * "unlimited", "indefinite", "infinity" and "undefined" mean no limit (Infinity). A bare number
 * (JSON number or digits) counts seconds. Negative durations do not exist.
 */

/** Unit → [numerator, denominator] of milliseconds, so "1500 micros" is exactly 1.5. */
const MILLISECONDS_PER: ReadonlyMap<string, readonly [number, number]> = new Map(
  (
    [
      [['days', 'day', 'd'], 86_400_000, 1],
      [['hours', 'hour', 'h'], 3_600_000, 1],
      [['minutes', 'minute', 'min', 'm'], 60_000, 1],
      [['seconds', 'second', 'sec', 's'], 1_000, 1],
      [['milliseconds', 'millisecond', 'millisec', 'millis', 'milli', 'ms'], 1, 1],
      [['microseconds', 'microsecond', 'microsec', 'micros', 'micro', 'us', 'µs'], 1, 1_000],
      [['nanoseconds', 'nanosecond', 'nanosec', 'nanos', 'nano', 'ns'], 1, 1_000_000],
    ] as const
  ).flatMap(([names, numerator, denominator]) =>
    names.map((name) => [name, [numerator, denominator]] as const),
  ),
);

/** Milliseconds in one `unit` of a duration ("ms", "s", "micros"…, any case); undefined for no unit. */
export function millisecondsPerUnit(unit: string): number | undefined {
  const ratio = MILLISECONDS_PER.get(unit.toLowerCase());
  return ratio === undefined ? undefined : ratio[0] / ratio[1];
}

const UNLIMITED: ReadonlySet<string> = new Set(['unlimited', 'indefinite', 'infinity', 'undefined']);
const ZERO: ReadonlySet<string> = new Set(['zero', 'disabled']);

function invalid(value: unknown, place: Place): TollgateError {
  return configError(
    'TG_CONFIG_BAD_DURATION',
    place,
    `${JSON.stringify(value)} is not a duration (such as "10 seconds", "1 minute and 30 seconds", "2h", "disabled" or "unlimited")`,
  );
}

/** The duration in milliseconds; Infinity for an unlimited one. Throws TG_CONFIG_BAD_DURATION. */
export function parseDuration(value: string | number, place: Place): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) throw invalid(value, place);
    return value * 1000;
  }
  if (typeof value !== 'string') throw invalid(value, place);
  const text = value.trim().toLowerCase();
  if (UNLIMITED.has(text)) return Number.POSITIVE_INFINITY;
  if (ZERO.has(text)) return 0;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  if (text === '' || /^(?:,|and\b)/.test(text)) throw invalid(value, place);
  // One `<number> <unit>` part, with any `,` / `and` before it; a fresh sticky regex per call.
  const part = /\s*(?:(?:,|and\b)\s*)*(\d+)\s*([a-zµ]+)\s*/y;
  let total = 0;
  while (part.lastIndex < text.length) {
    const match = part.exec(text);
    const unit = match === null ? undefined : MILLISECONDS_PER.get(match[2]!);
    if (match === null || unit === undefined) throw invalid(value, place);
    total += (Number(match[1]) * unit[0]) / unit[1];
  }
  return total;
}
