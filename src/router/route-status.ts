import type { SourcePosition, TollgateError } from '../errors/tollgate-error.js';

/**
 * What the gateway says about one route file: its last load, the build serving it, its errors and
 * how many requests it took. The admin API lists these; a route that failed to load is more than
 * a log line.
 */

/**
 * `loaded`: the file's route serves. `failed`: the file has no route serving. A broken edit of a
 * working file is `loaded-with-previous-version`: the last good build keeps serving. `removed`:
 * the file is gone and so is its route.
 */
export type RouteState = 'loaded' | 'failed' | 'loaded-with-previous-version' | 'removed';

export interface RouteError {
  readonly code: string;
  readonly file: string | undefined;
  readonly pointer: string;
  readonly message: string;
  /** For a file that does not parse: the line, column and excerpt where it goes wrong. */
  readonly source?: SourcePosition;
}

export interface RouteStatus {
  /** The route's id: its file name without the extension. */
  readonly id: string;
  /** The serving build's name, else the name the file asked for, if it got that far. */
  readonly name: string | undefined;
  readonly file: string;
  /** Where the Router tries it, from 0; undefined when it is not in the table. */
  readonly order: number | undefined;
  readonly state: RouteState;
  /** The last load's errors; empty when it loaded. */
  readonly errors: readonly RouteError[];
  /** When the serving build was loaded (ISO 8601). */
  readonly loadedAt: string | undefined;
  /** When the state last changed (ISO 8601). */
  readonly changedAt: string;
  readonly requests: { readonly total: number; readonly inFlight: number };
}

/**
 * A route file's status with the document it was read from: its serving build's, else its last
 * try's (undefined when the file did not parse).
 */
export interface RouteEntry {
  readonly status: RouteStatus;
  readonly document: unknown;
}

/** Requests a route file's builds answered, counted across its builds. */
export class RequestCounts {
  total = 0;
  inFlight = 0;
}

export function routeError(error: TollgateError): RouteError {
  return {
    code: error.code,
    file: error.place?.file,
    pointer: error.place?.pointer ?? '',
    message: error.detail ?? error.message,
    ...(error.source ? { source: error.source } : {}),
  };
}
