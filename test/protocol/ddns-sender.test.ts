// The DNS UPDATE sender against an in-process name server (fake transport, fake
// clock): RFC 4703's DHCID guard, TSIG both ways, retries with backoff, give-up,
// refusals, one change per name at a time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../src/core/fake-clock.js';
import {
  DHCID_TYPE, RRClass, RRType, Rcode, decodeMessage, dhcidIdentifier, dhcidRdata, encodeMessage, signMessage, verifyMessage, TsigKeyring,
  type DnsMessage, type TsigKey,
} from '../../src/wire/dns/index.js';
import { MemoryDdnsQueue } from '../../src/protocol/ddns/backlog.js';
import type { DnsChange } from '../../src/protocol/ddns/change.js';
import { DdnsSender, type DeliveryOutcome, type DdnsTransport } from '../../src/protocol/ddns/sender.js';

const KEY: TsigKey = { name: 'ddns.example.com.', algorithm: 'hmac-sha256', secret: Buffer.alloc(32, 9) };

/** A toy primary: records as "name type" → set of RDATA texts; RFC 2136 prerequisites and updates for what the sender uses. */
class FakeNameServer implements DdnsTransport {
  readonly records = new Map<string, Set<string>>();
  up = true;
  forceRcode?: number;
  sent: string[] = [];
  hold?: Promise<void>;
  constructor(private readonly clock: FakeClock) {}

  private data(r: DnsMessage['answers'][number]): string {
    return 'opaque' in r.data ? r.data.opaque.toString('hex') : JSON.stringify(r.data);
  }

  async exchange(_server: { address: string; port: number }, message: Buffer): Promise<Buffer> {
    if (this.hold) await this.hold;
    if (!this.up) throw new Error('ECONNREFUSED');
    const ring = new TsigKeyring([KEY]);
    const now = Math.floor(this.clock.now() / 1000);
    const v = verifyMessage(message, ring.find, { now });
    assert.ok(v?.ok, 'the update is signed with the key');
    const m = decodeMessage(message);
    this.sent.push(`${m.authorities[0]?.name} ${m.answers.length}p`);
    const rcode = this.forceRcode ?? this.apply(m);
    const answer = encodeMessage({ ...m, flags: { ...m.flags, qr: true }, rcode, answers: [], authorities: [], additionals: [] });
    return signMessage(answer, KEY, { now, requestMac: v.mac }).message;
  }

  private apply(m: DnsMessage): number {
    for (const p of m.answers) {
      const names = [...this.records.keys()].filter((k) => k.startsWith(`${p.name} `) && this.records.get(k)!.size > 0);
      if (p.class === RRClass.NONE && p.type === RRType.ANY && names.length > 0) return Rcode.YXDOMAIN;
      if (p.class === RRClass.IN && !this.records.get(`${p.name} ${p.type}`)?.has(this.data(p))) return Rcode.NXRRSET;
    }
    for (const u of m.authorities) {
      const k = `${u.name} ${u.type}`;
      if (u.class === RRClass.ANY) this.records.delete(k);
      else if (u.class === RRClass.NONE) this.records.get(k)?.delete(this.data(u));
      else this.records.set(k, new Set([...(this.records.get(k) ?? []), this.data(u)]));
    }
    return Rcode.NOERROR;
  }

  get(name: string, type: number): string[] {
    return [...(this.records.get(`${name} ${type}`) ?? [])];
  }
}

const NOW = Date.UTC(2026, 0, 1);
function change(kind: 'add' | 'remove', fqdn: string, address: string, mac: number): DnsChange {
  return {
    kind, fqdn, address, dhcid: dhcidRdata(dhcidIdentifier({ htype: 1, chaddr: Buffer.alloc(6, mac) }), fqdn).toString('base64'), ttl: 200,
    forward: true, reverse: true, forwardZone: 'voice.example.com.', reverseZone: '2.0.192.in-addr.arpa.', server: { address: '203.0.113.53', port: 53, key: KEY.name }, at: NOW,
  };
}

function setup(o: { maxAttempts?: number } = {}) {
  const clock = new FakeClock(NOW);
  const server = new FakeNameServer(clock);
  const queue = new MemoryDdnsQueue();
  const outcomes: DeliveryOutcome[] = [];
  const sender = new DdnsSender({
    queue, transport: server, clock, key: (n) => new TsigKeyring([KEY]).get(n), timeoutMs: 1000, maxAttempts: o.maxAttempts ?? 30, maxAgeMs: 86_400_000,
    onOutcome: (x) => outcomes.push(x),
  });
  const enqueue = async (c: DnsChange) => { await queue.add(c); sender.kick(); await sender.settled(); };
  const results = () => outcomes.map((x) => `${x.result} ${x.change.kind} ${x.change.fqdn}`);
  return { clock, server, queue, sender, enqueue, results, outcomes };
}

const A = 'phone-1.voice.example.com.';
const PTR = '100.2.0.192.in-addr.arpa.';

test('add registers A, DHCID and PTR; another client\'s add is not applied; only the owner\'s remove removes', async () => {
  const { server, enqueue, results, queue } = setup();
  await enqueue(change('add', A, '192.0.2.100', 1));
  assert.deepEqual(server.get(A, RRType.A), ['{"address":"192.0.2.100"}']);
  assert.equal(server.get(A, DHCID_TYPE).length, 1);
  assert.deepEqual(server.get(PTR, RRType.PTR), [`{"host":"${A}"}`]);
  // The same client again (e.g. after a restart): YXDOMAIN, then its DHCID matches: replaced.
  await enqueue(change('add', A, '192.0.2.100', 1));
  await enqueue(change('add', A, '192.0.2.101', 2));
  assert.deepEqual(server.get(A, RRType.A), ['{"address":"192.0.2.100"}'], 'not overwritten');
  await enqueue(change('remove', A, '192.0.2.101', 2));
  assert.deepEqual(server.get(A, RRType.A), ['{"address":"192.0.2.100"}'], 'not removed by another client');
  await enqueue(change('remove', A, '192.0.2.100', 1));
  assert.deepEqual([server.get(A, RRType.A), server.get(A, DHCID_TYPE), server.get(PTR, RRType.PTR)], [[], [], []]);
  assert.deepEqual(results(), [`ok add ${A}`, `ok add ${A}`, `conflict add ${A}`, `absent remove ${A}`, `ok remove ${A}`]);
  assert.equal(queue.backlog.size, 0, 'every change is done');
});

test('an unreachable server: retried with backoff (1 s, 2 s, 4 s …) until it answers; given up after maxAttempts', async () => {
  const { clock, server, enqueue, results, sender, queue, outcomes } = setup();
  server.up = false;
  await enqueue(change('add', A, '192.0.2.100', 1));
  assert.deepEqual(results(), [`error add ${A}`]);
  clock.advance(999);
  await sender.settled();
  assert.equal(outcomes.length, 1, 'not before 1 s');
  clock.advance(1);
  await sender.settled();
  assert.equal(outcomes.length, 2);
  clock.advance(2000);
  await sender.settled();
  assert.equal(outcomes.length, 3);
  server.up = true;
  clock.advance(4000);
  await sender.settled();
  assert.deepEqual(results().slice(-1), [`ok add ${A}`]);
  assert.equal(queue.backlog.size, 0);

  const s2 = setup({ maxAttempts: 3 });
  s2.server.up = false;
  await s2.enqueue(change('add', A, '192.0.2.100', 1));
  for (let i = 0; i < 10; i++) { s2.clock.advance(60_000); await s2.sender.settled(); }
  assert.deepEqual(s2.results(), [`error add ${A}`, `error add ${A}`, `error add ${A}`, `gave-up add ${A}`]);
  assert.equal(s2.queue.backlog.size, 0);
});

test('REFUSED and NOTAUTH are configuration problems: not retried', async () => {
  for (const rcode of [Rcode.REFUSED, Rcode.NOTAUTH]) {
    const { server, enqueue, results, clock, sender } = setup();
    server.forceRcode = rcode;
    await enqueue(change('add', A, '192.0.2.100', 1));
    clock.advance(600_000);
    await sender.settled();
    assert.deepEqual(results(), [`refused add ${A}`]);
  }
});

test('one change per name at a time: a later change of the same name waits; other names go ahead', async () => {
  const { server, queue, sender, results } = setup();
  let release!: () => void;
  server.hold = new Promise((r) => { release = r; });
  await queue.add(change('add', A, '192.0.2.100', 1));
  await queue.add(change('add', 'phone-2.voice.example.com.', '192.0.2.102', 3));
  sender.kick();
  assert.equal(sender.inFlightCount, 2);
  // In flight, so not merged away: the remove waits behind the add of the same name.
  await queue.add(change('remove', A, '192.0.2.100', 1));
  sender.kick();
  assert.equal(sender.inFlightCount, 2, 'phone-1 (its first change only) and phone-2');
  server.hold = undefined;
  release();
  await sender.settled();
  await sender.settled();
  assert.deepEqual(results().sort(), [`ok add ${A}`, 'ok add phone-2.voice.example.com.', `ok remove ${A}`].sort());
  assert.ok(results().indexOf(`ok add ${A}`) < results().indexOf(`ok remove ${A}`), 'in order');
  assert.deepEqual(server.get(A, RRType.A), []);
});
