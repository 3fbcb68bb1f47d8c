// Micro-benchmark of a DNS UPDATE's judgement (not a peer benchmark): a zone of N
// records (dns-zone-file.ts's generator) takes K updates, each adding one A record and
// deleting the one added before — the path a DHCP registration takes: evaluateUpdate
// (grant, prerequisites, prescan, apply, zone rules, Zone.patch), then the difference
// journalled (diffOwners) and the content digest (digestAfter). The journal's fdatasync
// is not included: it is the disk's. Per update, median of K.
//
//   node dist/bench/micro/dns-update.js [--records N] [--updates K]
import { updateMessage } from '../../src/protocol/ddns/update-message.js';
import { evaluateUpdate } from '../../src/protocol/dns/update/update.js';
import { UpdatePolicy } from '../../src/protocol/dns/update/policy.js';
import { digestAfter, zoneDigest } from '../../src/protocol/dns/zone-digest.js';
import { diffOwners } from '../../src/protocol/dns/zone-diff.js';
import { loadZoneText } from '../../src/protocol/dns/zone-load.js';
import { RRClass, RRType, type ResourceRecord } from '../../src/wire/dns/index.js';
import { generatedZone } from './dns-zone-file.js';

function arg(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
}
const RECORDS = arg('--records', 100_000);
const UPDATES = arg('--updates', 2_000);

let zone = loadZoneText(generatedZone(RECORDS), { origin: 'example.com.', file: 'bench', readInclude: () => '' }).zone;
const policy = UpdatePolicy.compile([{ key: 'dhcp-key', types: ['A'] }]);
let digest = zoneDigest(zone);
const a = (i: number): ResourceRecord => ({ name: `phone-${i}.example.com.`, type: RRType.A, class: RRClass.IN, ttl: 300, data: { address: `192.0.2.${i % 250}` } });
const remove = (i: number): ResourceRecord => ({ name: `phone-${i}.example.com.`, type: RRType.A, class: RRClass.ANY, ttl: 0, data: { opaque: Buffer.alloc(0) } });
const times: number[] = [];
for (let i = 0; i < UPDATES; i++) {
  const message = updateMessage(i & 0xffff, 'example.com.', [], i === 0 ? [a(i)] : [remove(i - 1), a(i)]);
  const start = process.hrtime.bigint();
  const verdict = evaluateUpdate(message, zone, policy, 'dhcp-key');
  if (verdict.kind !== 'change') throw new Error(`update ${i}: ${verdict.reason}`);
  digest = digestAfter(digest, diffOwners(zone, verdict.zone, verdict.touched));
  times.push(Number(process.hrtime.bigint() - start) / 1e6);
  zone = verdict.zone;
}
if (digest !== zoneDigest(zone)) throw new Error('the digest followed the updates wrongly');
times.sort((x, y) => x - y);
const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!.toFixed(3);
console.log(`dns update micro-benchmark (node ${process.version}): ${zone.recordCount} records, ${UPDATES} updates`);
console.log(`per update: median ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${at(1)} ms (judgement, difference and digest; no fdatasync)`);
