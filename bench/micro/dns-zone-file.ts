// Micro-benchmark of the zone file reader and writer (not a peer benchmark): a
// generated zone of N records (A, AAAA, MX, TXT, CNAME, SRV, NS delegations with glue,
// relative names, blank owners, comments) read, validated and written, best of a few runs.
//
//   node dist/bench/micro/dns-zone-file.js [--records N] [--runs R]
import { parseZoneFile, writeZoneFile } from '../../src/protocol/dns/zone-file/index.js';
import { validateZone } from '../../src/protocol/dns/zone-validate.js';

function arg(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
}
const RECORDS = arg('--records', 100_000);
const RUNS = arg('--runs', 5);

/** A zone of about `n` records. */
export function generatedZone(n: number): string {
  const lines = [
    '$ORIGIN example.com.',
    '$TTL 1h',
    '@ IN SOA ns1 hostmaster ( 2024010101 2h 1h 2w 5m ) ; the apex',
    '  IN NS ns1',
    '  IN NS ns2.example.net.',
    'ns1 IN A 192.0.2.53',
  ];
  let count = 4;
  for (let i = 0; count < n; i++) {
    const host = `host${i}`;
    switch (i % 8) {
      case 0: lines.push(`${host} IN A 192.0.2.${i % 256}`, `  IN AAAA 2001:db8::${(i % 65536).toString(16)}`); count += 2; break;
      case 1: lines.push(`${host} 300 IN A 198.51.100.${i % 256} ; a comment`); count++; break;
      case 2: lines.push(`${host} IN MX 10 mail${i % 50}`); count++; break;
      case 3: lines.push(`${host} IN TXT "v=spf1 ip4:203.0.113.0/24 -all" "second string"`); count++; break;
      case 4: lines.push(`${host} IN CNAME host${i - 1}.example.com.`); count++; break;
      case 5: lines.push(`_sip._udp.${host} IN SRV 10 60 5060 host${i - 5}`); count++; break;
      case 6: lines.push(`sub${i} IN NS ns.sub${i}`, `ns.sub${i} IN A 203.0.113.${i % 256}`); count += 2; break;
      default: lines.push(`${host} 1d IN A 203.0.113.${i % 256}`); count++; break;
    }
  }
  return `${lines.join('\n')}\n`;
}

function best(fn: () => void): number {
  let min = Infinity;
  for (let r = 0; r < RUNS; r++) {
    const start = process.hrtime.bigint();
    fn();
    min = Math.min(min, Number(process.hrtime.bigint() - start) / 1e6);
  }
  return min;
}

if (process.argv[1]?.endsWith('dns-zone-file.js')) {
  const text = generatedZone(RECORDS);
  const parsed = parseZoneFile(text, { origin: 'example.com.' });
  const n = parsed.records.length;
  const parseMs = best(() => parseZoneFile(text, { origin: 'example.com.' }));
  const validateMs = best(() => validateZone('example.com.', parsed.records));
  let written = '';
  const writeMs = best(() => { written = writeZoneFile('example.com.', parsed.records); });
  const reparseMs = best(() => parseZoneFile(written, { origin: 'example.com.' }));
  const rate = (ms: number) => `${Math.round(n / (ms / 1000)).toLocaleString('en-US').padStart(10)} records/s`;
  console.log(`zone file micro-benchmark (node ${process.version}): ${n} records, ${(text.length / 1e6).toFixed(1)} MB, best of ${RUNS}`);
  console.log(`parse generated file        ${parseMs.toFixed(0).padStart(6)} ms  ${rate(parseMs)}`);
  console.log(`validateZone                ${validateMs.toFixed(0).padStart(6)} ms  ${rate(validateMs)}`);
  console.log(`writeZoneFile               ${writeMs.toFixed(0).padStart(6)} ms  ${rate(writeMs)}`);
  console.log(`parse written file          ${reparseMs.toFixed(0).padStart(6)} ms  ${rate(reparseMs)}`);
}
