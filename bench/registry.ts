// The benches `npm run bench -- <name>` knows about.
import { dhcp4 } from './dhcp4.js';
import { dhcp4Ha } from './dhcp4-ha.js';
import { dnsTcp, dnsUdp } from './dns-udp.js';
import { filesStorm } from './files-storm.js';
import { managerScale } from './manager-scale.js';
import type { TargetBenchmark } from './targets.js';
import type { Benchmark } from './types.js';

export const benchmarks: Record<string, Benchmark> = {
  [dhcp4.name]: dhcp4,
  [dhcp4Ha.name]: dhcp4Ha,
  [dnsUdp.name]: dnsUdp,
  [dnsTcp.name]: dnsTcp,
  [filesStorm.name]: filesStorm,
};

/** Benches held against fixed targets rather than a peer (bench/targets.ts). */
export const targetBenchmarks: Record<string, TargetBenchmark> = {
  [managerScale.name]: managerScale,
};
