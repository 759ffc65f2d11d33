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
  /** admin.json's `adminConnector`: the admin endpoints alone, without the prefix, opened first. */
  readonly admin: ListenerPlan | undefined;
  /** How long requests in flight may take once the gateway closes; Infinity for `unlimited`. */
  readonly gracePeriodMs: number;
}

const DEFAULT_CONNECTORS: readonly ConnectorConfig[] = Object.freeze([{ port: 8080 }]);
const DEFAULT_GRACE_PERIOD = '10 seconds';
const DEFAULT_HOST = '0.0.0.0';

/**
 * The listeners admin.json's connectors ask for (or one on `overrides.port`, which replaces
 * them), and its admin connector, with their TLS files read and their grace periods parsed: a bad
 * value is an error at its file and pointer while nothing is open yet. The gateway drains all its
 * connections together, so the longest grace period of the connectors applies. `--port` replaces
 * the connectors only: the admin connector is where probes and operators look, whatever port the
 * traffic is moved to.
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
  return { listeners, admin: planAdminConnector(admin, file, overrides, listeners), gracePeriodMs };
}

function planAdminConnector(
  admin: AdminConfig,
  file: string,
  overrides: { readonly host?: string },
  listeners: readonly ListenerPlan[],
): ListenerPlan | undefined {
  const connector = admin.adminConnector;
  if (connector === undefined) return undefined;
  const place = childPlace({ file, pointer: '' }, 'adminConnector');
  const host = connector.host ?? overrides.host ?? DEFAULT_HOST;
  // Caught here rather than by the second listen, which would come after the routes had loaded.
  const clash = listeners.some(
    (listener) => listener.port === connector.port && sharesAddress(listener.host, host),
  );
  if (connector.port !== 0 && clash) {
    throw configError(
      'TG_CONFIG_BAD_VALUE',
      childPlace(place, 'port'),
      `port ${connector.port} is also a connector's: the admin connector needs a port of its own`,
    );
  }
  return {
    host,
    port: connector.port,
    tls: connector.tls === undefined ? undefined : readTls(connector.tls, childPlace(place, 'tls')),
    place,
  };
}

/** Whether two listen addresses can take the same port only once: equal, or one takes every address. */
function sharesAddress(a: string, b: string): boolean {
  const everyAddress = (host: string): boolean => host === '0.0.0.0' || host === '::';
  return a === b || everyAddress(a) || everyAddress(b);
}

function readTls(tls: { keyFile: string; certFile: string }, place: Place): { key: Buffer; cert: Buffer } {
  try {
    return { key: readFileSync(tls.keyFile), cert: readFileSync(tls.certFile) };
  } catch (error) {
    throw configError('TG_START_TLS', place, (error as Error).message, error);
  }
}
