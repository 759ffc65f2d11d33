import { AggregatorRegistry } from 'prom-client';
import type { UnitMetrics } from './units.js';

/**
 * The instance's metrics from every unit's: prom-client's aggregator sums counters, histograms and
 * gauges over the units, and takes each process metric as its own aggregator says (memory summed,
 * event-loop lag averaged, the start time left out).
 */
export function aggregateUnitMetrics(units: readonly UnitMetrics[]): Promise<string> {
  return AggregatorRegistry.aggregate([...units]).metrics();
}
