// Test program: sends COUNT mutated DHCPv4 datagrams to SERVER:67 — seeded mutations
// of the captured real-client packets in FIXTURES (bit flips, truncations, extensions,
// option length bytes changed, options spliced in from other captures, overload and
// boundary bytes) plus wholly random datagrams — paced at up to RATE per second, and
// prints one JSON summary. Bounded: stops after COUNT datagrams or MAX_MS.
// Usage: node dhcp4-fuzz-send.js SERVER COUNT SEED RATE MAX_MS FIXTURES
import { sendPaced } from './paced-udp.js';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { seededRandom } from '../../support/random.js';

const [server = '', countText = '1000000', seedText = '1', rateText = '50000', maxMsText = '60000', fixtures = ''] = process.argv.slice(2);
const count = Number(countText);
const rate = Number(rateText);
const maxMs = Number(maxMsText);
const rnd = seededRandom(Number(seedText));
const int = (n: number) => Math.floor(rnd() * n);

// The captures were made on 192.0.2.0/24 against Kea at 192.0.2.1; the server under test
// is 198.18.0.1 on 198.18.0.0/15. Rebasing every 192.0.2.x in them (addresses in the
// header, requested address, server identifier) onto 198.18.0.x makes their REQUESTs
// name this server and addresses it serves, so mutations also reach the commit path.
const rebase = (p: Buffer) => Buffer.from(p.toString('hex').replace(/(?:^|(?<=^(?:..)*))c00002/g, 'c61200'), 'hex');
const captures = readdirSync(fixtures).filter((f) => f.endsWith('.hex')).sort().map((f) =>
  rebase(Buffer.from(readFileSync(join(fixtures, f), 'utf8').split('\n').filter((l) => !l.startsWith('#')).join('').replace(/\s+/g, ''), 'hex')));
if (captures.length === 0) throw new Error(`no captures in ${fixtures}`);

/** Offsets of the option TLVs after the magic cookie (pad and end skipped). */
function optionSpans(p: Buffer): [number, number][] {
  const spans: [number, number][] = [];
  for (let i = 240; i < p.length;) {
    const code = p[i]!;
    if (code === 0) { i++; continue; }
    if (code === 255 || i + 1 >= p.length) break;
    const end = i + 2 + p[i + 1]!;
    spans.push([i, Math.min(end, p.length)]);
    i = end;
  }
  return spans;
}

const kinds = ['bitflip', 'truncate', 'extend', 'length', 'splice', 'drop-option', 'boundary', 'overload', 'random'] as const;
const made: Record<string, number> = Object.fromEntries(kinds.map((k) => [k, 0]));

function mutate(): Buffer {
  const kind = kinds[int(kinds.length)]!;
  made[kind]!++;
  const base = captures[int(captures.length)]!;
  let p = Buffer.from(base);
  const spans = () => optionSpans(p);
  switch (kind) {
    case 'bitflip':
      for (let n = 1 + int(8); n > 0; n--) { const i = int(p.length); p[i] = p[i]! ^ (1 << int(8)); }
      break;
    case 'truncate':
      p = p.subarray(0, int(p.length));
      break;
    case 'extend':
      p = Buffer.concat([p, Buffer.from(Array.from({ length: 1 + int(400) }, () => int(256)))]);
      break;
    case 'length': {
      const s = spans();
      const at = s.length ? s[int(s.length)]![0] + 1 : 241;
      if (at < p.length) p[at] = [0, 1, 255, 254, int(256), p[at]! + 1, p[at]! - 1][int(7)]! & 0xff;
      break;
    }
    case 'splice': {
      const donor = captures[int(captures.length)]!;
      const ds = optionSpans(donor);
      const s = spans();
      if (ds.length === 0) break;
      const [a, b] = ds[int(ds.length)]!;
      const at = s.length ? s[int(s.length)]![int(2)] : 240;
      p = Buffer.concat([p.subarray(0, at), donor.subarray(a, b), ...(rnd() < 0.3 ? [donor.subarray(a, b)] : []), p.subarray(at)]);
      break;
    }
    case 'drop-option': {
      const s = spans();
      if (s.length === 0) break;
      const [a, b] = s[int(s.length)]!;
      p = Buffer.concat([p.subarray(0, a), p.subarray(b)]);
      break;
    }
    case 'boundary':
      for (let n = 1 + int(4); n > 0; n--) p[int(p.length)] = [0, 0xff, 0x80, 0x7f, 1][int(5)]!;
      break;
    case 'overload': {
      // Option 52 (overload) with a random value: sname/file must then parse as options.
      const s = spans();
      const at = s.length ? s[0]![0] : 240;
      p = Buffer.concat([p.subarray(0, at), Buffer.of(52, 1, int(4)), p.subarray(at)]);
      if (rnd() < 0.5) for (let i = 44; i < 236; i++) if (rnd() < 0.1) p[i] = int(256);
      break;
    }
    case 'random':
      p = Buffer.from(Array.from({ length: int(rnd() < 0.5 ? 600 : 64) }, () => int(256)));
      if (p.length >= 240 && rnd() < 0.7) p.writeUInt32BE(0x63825363, 236); // past the cookie check
      break;
  }
  return p;
}

const began = Date.now();
const { sent, errors } = await sendPaced({ address: server, port: 67, count, rate, maxMs, next: mutate });
const seconds = (Date.now() - began) / 1000;
console.log(JSON.stringify({ sent, errors, seconds, rate: Math.round(sent / seconds), kinds: made }));
