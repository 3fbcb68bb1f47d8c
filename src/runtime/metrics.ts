import { Registry, collectDefaultMetrics, Gauge } from 'prom-client';
import { OUTPOST_VERSION } from './version.js';

/** A Prometheus registry of one daemon (not prom-client's global, so tests can run several). */
export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'outpost_' });
  new Gauge({ name: 'outpost_build_info', help: 'Outpost build; the value is always 1.', labelNames: ['version', 'node'], registers: [registry] })
    .set({ version: OUTPOST_VERSION, node: process.version }, 1);
  return registry;
}
