import { AggregatorRegistry } from 'prom-client';
import type { UnitMetrics } from './units.js';

/**
 * The instance's metrics from every unit's: prom-client's aggregator sums counters, histograms and
 * gauges over the units, and takes each process metric as its own aggregator says (the oldest
 * start time, the sum of the memory, …).
 */
export function aggregateUnitMetrics(units: readonly UnitMetrics[]): Promise<string> {
  return AggregatorRegistry.aggregate([...units]).metrics();
}
