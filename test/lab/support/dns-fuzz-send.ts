// Test program: sends COUNT mutated DNS messages to SERVER:53 over UDP — seeded
// mutations of the captured queries and answers in FIXTURES (test/fixtures/dns/: bit
// flips, truncations, extensions, header counts and opcodes rewritten — UPDATE and
// NOTIFY among them —, compression pointers planted, names spliced) plus wholly random
// ones, and random DNS UPDATEs for example.com (test/support/dns-update-gen.ts),
// sometimes bit-flipped, signed with the TSIG key KEY (hmac-sha256 "fuzz-key", base64)
// after the flips so they reach the server's update judgement — and TCP_COUNT more over
// a few TCP connections (valid framing around mutated messages, and some broken
// framing), paced at up to RATE per second; prints one JSON summary. Bounded: stops
// after COUNT (+ TCP_COUNT) messages or MAX_MS.
// Usage: node dns-fuzz-send.js SERVER COUNT TCP_COUNT SEED RATE MAX_MS FIXTURES KEY
import { readFileSync, readdirSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { encodeMessage, signMessage, type TsigKey } from '../../../src/wire/dns/index.js';
import { randomUpdate } from '../../support/dns-update-gen.js';
import { seededRandom } from '../../support/random.js';
import { sendPaced } from './paced-udp.js';

const [server = '', countText = '1000000', tcpText = '20000', seedText = '1', rateText = '1000000', maxMsText = '60000', fixtures = '', keyText = ''] = process.argv.slice(2);
const count = Number(countText);
const tcpCount = Number(tcpText);
const rate = Number(rateText);
const maxMs = Number(maxMsText);
const rnd = seededRandom(Number(seedText));
const int = (n: number) => Math.floor(rnd() * n);

const captures = readdirSync(fixtures).filter((f) => f.endsWith('.hex')).sort().map((f) =>
  Buffer.from(readFileSync(join(fixtures, f), 'utf8').split('\n').filter((l) => !l.startsWith('#')).join('').replace(/\s+/g, ''), 'hex'));
if (captures.length === 0) throw new Error(`no captures in ${fixtures}`);
const queries = captures.filter((c) => c.length >= 12 && (c[2]! & 0x80) === 0);

const KINDS = ['flip', 'truncate', 'extend', 'counts', 'opcode', 'pointer', 'splice', 'boundary', 'random', 'verbatim', 'signed-update'] as const;
const KEY: TsigKey = { name: 'fuzz-key.', algorithm: 'hmac-sha256', secret: Buffer.from(keyText, 'base64') };
if (KEY.secret.length < 16) throw new Error('KEY: a base64 secret of at least 16 bytes');
const update = randomUpdate(rnd);
const made: Record<string, number> = {};

function mutate(): Buffer {
  const kind = KINDS[int(KINDS.length)]!;
  made[kind] = (made[kind] ?? 0) + 1;
  const from = rnd() < 0.7 ? queries : captures;
  let p: Buffer = Buffer.from(from[int(from.length)]!);
  switch (kind) {
    case 'flip':
      for (let n = 1 + int(8); n > 0; n--) p[int(p.length)]! ^= 1 << int(8);
      break;
    case 'truncate':
      p = p.subarray(0, int(p.length));
      break;
    case 'extend':
      p = Buffer.concat([p, Buffer.from(Array.from({ length: 1 + int(64) }, () => int(256)))]);
      break;
    case 'counts':
      if (p.length >= 12) for (let i = 4; i < 12; i += 2) if (rnd() < 0.5) p.writeUInt16BE(rnd() < 0.5 ? int(4) : int(65536), i);
      break;
    case 'opcode':
      // UPDATE (5), NOTIFY (4), STATUS (2), unassigned ones; QR sometimes set.
      if (p.length >= 3) p[2] = (p[2]! & 0x87) | ([5, 4, 2, 3, 15][int(5)]! << 3) | (rnd() < 0.2 ? 0x80 : 0);
      break;
    case 'pointer':
      // A compression pointer anywhere, to anywhere (forward, self, loops).
      if (p.length >= 14) { const at = 12 + int(p.length - 13); p[at] = 0xc0 | int(0x40); p[at + 1] = int(256); }
      break;
    case 'splice': {
      const other = captures[int(captures.length)]!;
      const a = int(other.length);
      p = Buffer.concat([p.subarray(0, int(p.length)), other.subarray(a, a + int(other.length - a + 1))]);
      break;
    }
    case 'boundary':
      for (let n = 1 + int(4); n > 0; n--) p[int(p.length)] = [0, 0xff, 0x80, 0x7f, 0x3f, 0x40, 0xc0][int(7)]!;
      break;
    case 'random':
      p = Buffer.from(Array.from({ length: int(rnd() < 0.5 ? 600 : 40) }, () => int(256)));
      break;
    case 'verbatim':
      break;
    case 'signed-update':
      try {
        p = encodeMessage(update(int(65536)));
      } catch {
        break; // a record the encoder refuses: the capture goes verbatim
      }
      if (rnd() < 0.3) p[12 + int(p.length - 12)]! ^= 1 << int(8);
      p = signMessage(p, KEY, { now: Math.floor(Date.now() / 1000) }).message;
      break;
  }
  return p;
}

const began = Date.now();
const paced = await sendPaced({ address: server, port: 53, count, rate, maxMs, next: mutate });
const sent = paced.sent;
let errors = paced.errors;

// TCP: a few connections, each carrying framed mutations; one in ten connections ends in broken framing.
let tcpSent = 0;
let tcpConnections = 0;
while (tcpSent < tcpCount && Date.now() - began < maxMs) {
  tcpConnections++;
  await new Promise<void>((resolve) => {
    const s = connect(53, server);
    s.on('error', () => { errors++; resolve(); });
    s.on('close', () => resolve());
    s.on('data', () => undefined);
    s.on('connect', () => {
      const batch: Buffer[] = [];
      for (let i = 0; i < 500 && tcpSent < tcpCount; i++, tcpSent++) {
        const m = mutate();
        const len = Buffer.alloc(2);
        len.writeUInt16BE(m.length);
        batch.push(len, m);
      }
      if (rnd() < 0.1) batch.push(Buffer.from([0xff, 0xff, 1, 2, 3])); // a length promising more than comes
      s.end(Buffer.concat(batch));
      setTimeout(() => s.destroy(), 2000);
    });
  });
}
const seconds = (Date.now() - began) / 1000;
console.log(JSON.stringify({ sent, tcpSent, tcpConnections, errors, seconds, rate: Math.round(sent / seconds), kinds: made }));
