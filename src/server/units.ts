import { availableParallelism } from 'node:os';
import type { Registry } from 'prom-client';
import { ConfigFileReader } from '../config/file-reader.js';
import { CONFIG_LIMITS } from '../config/limits.js';
import type { TypeRegistry } from '../heap/registry.js';
import type { SharedRate } from '../heap/types.js';
import type { GatewayPhase } from './admin-endpoints.js';
import { loadAdminConfig, locateInstance } from './instance.js';

/**
 * How many worker processes serve the instance: `--units` (or TOLLGATE_UNITS), else admin.json's
 * `gatewayUnits`, else one per CPU the process may use, as PingGateway defaults to the JVM's cores.
 */
export function unitCount(
  requested: number | undefined,
  configured: number | undefined,
  cpus: number = availableParallelism(),
): number {
  return requested ?? configured ?? cpus;
}

/**
 * admin.json's `gatewayUnits`, read as start reads admin.json (its `&{…}` tokens resolved, its
 * schema checked): the primary decides how many workers to run before any of them starts.
 */
export async function configuredUnits(options: {
  readonly configDir: string | undefined;
  readonly routesDir: string | undefined;
  readonly env: Readonly<Record<string, string>>;
  readonly registry: TypeRegistry;
}): Promise<number | undefined> {
  const layout = locateInstance(options.configDir, options.routesDir);
  if (layout.adminFile === undefined) return undefined;
  const reader = new ConfigFileReader(CONFIG_LIMITS, () => undefined);
  try {
    const admin = await loadAdminConfig(layout.adminFile, options.env, reader, options.registry);
    return admin.gatewayUnits;
  } finally {
    await reader.close();
  }
}

/** The environment variable that tells a worker its unit number, 1 to N; a restarted worker keeps it. */
export const UNIT_VARIABLE = 'TOLLGATE_UNIT';

/** What a unit says once it serves: the primary prints the instance's start-up line from it. */
export interface UnitServing {
  readonly urls: readonly string[];
  readonly listening: readonly string[];
  readonly routes: string;
  readonly mode: string;
  readonly routesLoaded: number;
  readonly routesFailed: number;
  readonly gracePeriodMs: number;
}

/** A unit's metrics, as prom-client's `getMetricsAsJSON` gives them, for the aggregator registry. */
export type UnitMetrics = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;

/** Worker to primary, over the cluster's IPC channel. */
export type UnitReport =
  | { readonly tollgate: 'listening' }
  | { readonly tollgate: 'serving'; readonly serving: UnitServing }
  | { readonly tollgate: 'drained'; readonly connectionsCut: number }
  | { readonly tollgate: 'metrics-wanted'; readonly id: number }
  | { readonly tollgate: 'metrics'; readonly id: number; readonly metrics: UnitMetrics }
  | {
      readonly tollgate: 'throttle-take';
      readonly id: number;
      readonly filter: string;
      readonly partition: string;
      readonly rate: SharedRate;
    };

/** Primary to worker. */
export type UnitOrder =
  | { readonly tollgate: 'phase'; readonly phase: GatewayPhase }
  | { readonly tollgate: 'drain' }
  | { readonly tollgate: 'metrics-gather'; readonly id: number }
  | { readonly tollgate: 'metrics-text'; readonly id: number; readonly text: string }
  | { readonly tollgate: 'throttle-wait'; readonly id: number; readonly waitMs: number };

/** Whether an IPC message is one of ours (prom-client and node:cluster send their own). */
export function isUnitMessage(message: unknown): message is UnitReport | UnitOrder {
  return (
    typeof message === 'object' &&
    message !== null &&
    typeof (message as { tollgate?: unknown }).tollgate === 'string'
  );
}
