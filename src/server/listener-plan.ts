import { readFileSync } from 'node:fs';
import { parseDuration } from '../config/duration.js';
import { childPlace, configError, type Place } from '../errors/tollgate-error.js';
import type { AdminConfig, ConnectorConfig } from './instance.js';

/** One socket to open: everything it needs is checked and read before any socket opens. */
export interface ListenerPlan {
  readonly host: string;
  readonly port: number;
  /** PEM key and certificate, read from the connector's files; undefined for plain HTTP. */
  readonly tls: { readonly key: Buffer; readonly cert: Buffer } | undefined;
  /** The connector in admin.json, for the errors of opening it. */
  readonly place: Place;
}

export interface ServingPlan {
  readonly listeners: readonly ListenerPlan[];
  /** How long requests in flight may take once the gateway closes; Infinity for `unlimited`. */
  readonly gracePeriodMs: number;
}

const DEFAULT_CONNECTORS: readonly ConnectorConfig[] = Object.freeze([{ port: 8080 }]);
const DEFAULT_GRACE_PERIOD = '10 seconds';
const DEFAULT_HOST = '0.0.0.0';

/**
 * The listeners admin.json's connectors ask for (or one on `overrides.port`, which replaces
 * them), with their TLS files read and their grace periods parsed: a bad value is an error at its
 * file and pointer while nothing is open yet. The gateway drains all its connections together,
 * so the longest grace period of the connectors applies.
 */
export function planListeners(
  admin: AdminConfig,
  adminFile: string | undefined,
  overrides: { readonly port?: number; readonly host?: string },
): ServingPlan {
  const file = adminFile ?? '<admin>';
  const configured = admin.connectors ?? DEFAULT_CONNECTORS;
  const gracePeriodMs = Math.max(
    ...configured.map((connector, index) =>
      parseDuration(
        connector.gracePeriod ?? DEFAULT_GRACE_PERIOD,
        childPlace({ file, pointer: '' }, 'connectors', index, 'gracePeriod'),
      ),
    ),
  );
  const connectors: readonly ConnectorConfig[] =
    overrides.port !== undefined
      ? [{ port: overrides.port, host: overrides.host ?? configured[0]?.host }]
      : configured;
  const listeners = connectors.flatMap((connector, index) => {
    const place = childPlace({ file, pointer: '' }, 'connectors', index);
    const tls = connector.tls === undefined ? undefined : readTls(connector.tls, childPlace(place, 'tls'));
    const ports = Array.isArray(connector.port) ? connector.port : [connector.port];
    const host = connector.host ?? overrides.host ?? DEFAULT_HOST;
    return ports.map((port) => ({ host, port, tls, place }));
  });
  return { listeners, gracePeriodMs };
}

function readTls(tls: { keyFile: string; certFile: string }, place: Place): { key: Buffer; cert: Buffer } {
  try {
    return { key: readFileSync(tls.keyFile), cert: readFileSync(tls.certFile) };
  } catch (error) {
    throw configError('TG_START_TLS', place, (error as Error).message, error);
  }
}
