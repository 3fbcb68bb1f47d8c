// Run by test/lab/dhcp4-ping.test.ts inside a namespace: pings every address given at
// once with Icmp4Pinger and prints one JSON line: socket kind, each result, elapsed ms.
//   node ping-probe.js <timeoutMs> <address>...
import { Icmp4Pinger } from '../../../src/runtime/icmp4-pinger.js';
import { systemClock } from '../../../src/runtime/system-clock.js';
import { ipv4FromString } from '../../../src/wire/dhcp4/index.js';

const [timeout, ...addresses] = process.argv.slice(2);
const pinger = Icmp4Pinger.open(systemClock);
const started = performance.now();
const results = await Promise.all(addresses.map((a) => pinger.ping(ipv4FromString(a), Number(timeout))));
const ms = Math.round(performance.now() - started);
console.log(JSON.stringify({ kind: pinger.kind, results, ms, stats: pinger.stats }));
pinger.close();
