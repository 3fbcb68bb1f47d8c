// Option 81 in OFFER and ACK (RFC 4702 §4) through the DHCPv4 engine in-process: every
// client flag combination × registration off / clientFlags honour / override, both
// encodings, the name returned; and the DNS changes the committed ACK calls for
// (policy.ts) agree with what the reply told the client.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../src/core/fake-clock.js';
import type { DdnsSettings } from '../../src/config/ddns-effective.js';
import type { DnsChange } from '../../src/protocol/ddns/change.js';
import { dnsChanges } from '../../src/protocol/ddns/policy.js';
import { Dhcp4Engine, type Outcome } from '../../src/protocol/dhcp/engine.js';
import { MemoryLeaseStore } from '../../src/protocol/dhcp/memory-lease-store.js';
import { EMPTY_LAYER, type ReservationModel } from '../../src/protocol/dhcp/model.js';
import { FqdnFlag, clientFqdn, ipv4ToString, type ClientFqdn, type Dhcp4Message } from '../../src/wire/dhcp4/index.js';
import { MessageType, Opt, broadcastOn, decode, ip, model, request, subnet, unicastTo, type RequestSpec } from '../support/dhcp4-fixture.js';

const SERVER = '192.0.2.1';
const MAC = '02:00:00:00:00:81';
const VOICE: DdnsSettings = { forwardZone: 'voice.example.com.', reverseZone: '2.0.192.in-addr.arpa.', server: { address: '203.0.113.53', port: 53 }, ttl: 1200, clientFlags: 'honour' };

type Registration = 'off' | 'honour' | 'override';

function setup(registration: Registration, reservations: ReservationModel[] = []) {
  const ddns = registration === 'off' ? undefined : { ...VOICE, clientFlags: registration };
  const m = model({ subnets: [subnet({ id: 1, cidr: '192.0.2.0/24', pools: ['192.0.2.100-192.0.2.199'], reservations, ...(ddns ? { ddns } : {}) })] });
  const clock = new FakeClock(Date.UTC(2026, 10, 22));
  const changes: DnsChange[] = [];
  const engine = new Dhcp4Engine({
    model: m, store: new MemoryLeaseStore(), clock, serverAddresses: () => [ip(SERVER)],
    afterCommit: (t) => { changes.push(...dnsChanges(t, (id) => m.subnets.find((s) => s.id === id)?.ddns, clock.now())); return undefined; },
  });
  const send = async (spec: RequestSpec, arrival = broadcastOn()) => engine.handle(request({ mac: MAC, ...spec }), arrival);
  return { send, changes };
}

function reply(o: Outcome): Dhcp4Message {
  assert.equal(o.kind, 'reply', `expected a reply, got ${JSON.stringify(o)}`);
  return decode((o as { data: Buffer }).data);
}

const option81 = (flags: number, name: string): [number, Buffer][] => [[Opt.CLIENT_FQDN, clientFqdn.encode({ flags, rcode1: 0, rcode2: 0, name })]];
const fqdnOf = (m: Dhcp4Message): ClientFqdn | undefined => {
  const data = m.options.get(Opt.CLIENT_FQDN);
  return data && clientFqdn.decode(data);
};
/** "NOS" style: the N, O and S bits set (E and the rest apart). */
const nos = (flags: number) => (flags & FqdnFlag.N ? 'N' : '') + (flags & FqdnFlag.O ? 'O' : '') + (flags & FqdnFlag.S ? 'S' : '');
const bits = (text: string) => (text.includes('N') ? FqdnFlag.N : 0) | (text.includes('O') ? FqdnFlag.O : 0) | (text.includes('S') ? FqdnFlag.S : 0);
const summary = (cs: DnsChange[]) => cs.map((c) => `${c.kind} ${c.fqdn}${c.forward ? ' A' : ''}${c.reverse ? ' PTR' : ''}`);

async function dora(registration: Registration, spec: Partial<RequestSpec>, reservations: ReservationModel[] = []) {
  const { send, changes } = setup(registration, reservations);
  const offer = reply(await send({ type: MessageType.DISCOVER, ...spec }));
  const ack = reply(await send({ type: MessageType.REQUEST, requested: ipv4ToString(offer.yiaddr), serverId: SERVER, ...spec }));
  return { offer, ack, changes, send };
}

// Client N, O, S → the N, O, S replied with registration off, honour, override (RFC 4702
// §2.1, §4; Kea's D2ClientMgr::analyzeFqdn + adjustFqdnFlags). The client's O is ignored.
const TABLE: readonly (readonly [client: string, off: string, honour: string, override: string])[] = [
  ['', 'N', '', 'OS'],
  ['S', 'NO', 'S', 'S'],
  ['N', 'N', 'N', 'OS'],
  ['NS', 'NO', 'NO', 'S'], // invalid from a client (RFC 4702 §2.1): N wins unless overridden
  ['O', 'N', '', 'OS'],
  ['OS', 'NO', 'S', 'S'],
  ['NO', 'N', 'N', 'OS'],
  ['NOS', 'NO', 'NO', 'S'],
];

test('option 81 replied in OFFER and ACK: every client N/O/S × registration off / honour / override, and the DNS changes agree', async () => {
  for (const [client, ...want] of TABLE) {
    for (const [i, registration] of (['off', 'honour', 'override'] as const).entries()) {
      const why = `client ${client || '-'}, ${registration}`;
      const { offer, ack, changes } = await dora(registration, { extra: option81(FqdnFlag.E | bits(client), 'phone-1') });
      for (const m of [offer, ack]) {
        const r = fqdnOf(m);
        assert.ok(r, `${why}: option 81 in the reply`);
        assert.equal(nos(r.flags), want[i], why);
        assert.ok(r.flags & FqdnFlag.E, `${why}: E as the client sent it`);
        assert.deepEqual([r.rcode1, r.rcode2], [255, 255], `${why}: RCODE1/RCODE2 (RFC 4702 §2.2)`);
        assert.equal(r.name, registration === 'off' ? 'phone-1' : 'phone-1.voice.example.com.', `${why}: name`);
      }
      // What was said is what is done: N → nothing, S → the A record, else the PTR only.
      const said = nos(fqdnOf(ack)!.flags);
      const done = said.includes('N') ? [] : [`add phone-1.voice.example.com.${said.includes('S') ? ' A' : ''} PTR`];
      assert.deepEqual(summary(changes), done, `${why}: DNS changes`);
    }
  }
});

test('option 81 replied in the client\'s encoding: wire form (E=1), else ASCII (E=0); MBZ bits cleared', async () => {
  const raw = async (flags: number) => (await dora('honour', { extra: option81(flags, 'phone-1') })).ack.options.get(Opt.CLIENT_FQDN)!.toString('hex');
  const label = (text: string) => Buffer.concat([Buffer.of(text.length), Buffer.from(text)]).toString('hex');
  assert.equal(await raw(FqdnFlag.E | FqdnFlag.S), `05ffff${label('phone-1')}${label('voice')}${label('example')}${label('com')}00`, 'E=1: canonical wire form, root label included');
  assert.equal(await raw(FqdnFlag.S), `01ffff${Buffer.from('phone-1.voice.example.com.').toString('hex')}`, 'E=0: ASCII');
  const mbz = fqdnOf((await dora('honour', { extra: [[Opt.CLIENT_FQDN, Buffer.from(`f50000${label('phone-1')}`, 'hex')]] })).ack);
  assert.equal(mbz?.flags, FqdnFlag.E | FqdnFlag.S, 'the four MBZ bits the client set are not echoed');
});

test('option 81 names: the registered FQDN in the subnet\'s zone, else as the client sent it', async () => {
  const name = async (registration: Registration, spec: Partial<RequestSpec>, reservations: ReservationModel[] = []) => {
    const { ack, changes } = await dora(registration, spec, reservations);
    const r = fqdnOf(ack)!;
    return `${nos(r.flags)} ${r.name} | ${summary(changes).join(', ')}`;
  };
  const S = FqdnFlag.S | FqdnFlag.E;
  assert.equal(await name('honour', { extra: option81(S, 'Desk_Phone.elsewhere.example.org.') }), 'S desk-phone.voice.example.com. | add desk-phone.voice.example.com. A PTR', 'first label, sanitised, in the subnet\'s zone');
  assert.equal(await name('off', { extra: option81(S, 'Desk_Phone.elsewhere.example.org.') }), 'NO Desk_Phone.elsewhere.example.org. | ', 'registration off: the name as sent');
  assert.equal(await name('off', { extra: option81(FqdnFlag.S, 'Desk Phone') }), 'NO Desk Phone | ', 'registration off, ASCII: as sent');
  assert.equal(await name('honour', { hostname: 'desk-3', extra: option81(S, '') }), 'S desk-3.voice.example.com. | add desk-3.voice.example.com. A PTR', 'no name in option 81: option 12\'s');
  const lobby: ReservationModel = { hwAddress: MAC.replace(/:/g, ''), hostname: 'lobby', options: EMPTY_LAYER };
  assert.equal(await name('override', { extra: option81(FqdnFlag.E, '') }, [lobby]), 'OS lobby.voice.example.com. | add lobby.voice.example.com. A PTR', 'neither: the reservation\'s host name');
  assert.equal(await name('honour', { extra: option81(S, '***') }), 'NO *** | ', 'no usable host label: no update, N, the name as sent');
  assert.equal(await name('override', { extra: option81(S, '') }), 'NO  | ', 'no name at all: no update');
});

test('no option 81 in replies to a client that sent none; none in a NAK; a renewal\'s ACK still says S', async () => {
  const { offer, ack, changes } = await dora('honour', { hostname: 'phone-2' });
  assert.ok(!offer.options.has(Opt.CLIENT_FQDN) && !ack.options.has(Opt.CLIENT_FQDN), 'option 12 only: no option 81 back');
  assert.deepEqual(summary(changes), ['add phone-2.voice.example.com. A PTR'], 'but the name is registered');
  const { ack: bound, send, changes: later } = await dora('honour', { extra: option81(FqdnFlag.E | FqdnFlag.S, 'phone-3') });
  later.length = 0;
  const renewed = reply(await send({ type: MessageType.REQUEST, ciaddr: ipv4ToString(bound.yiaddr), extra: option81(FqdnFlag.E | FqdnFlag.S, 'phone-3') }, unicastTo(SERVER)));
  assert.deepEqual([nos(fqdnOf(renewed)!.flags), fqdnOf(renewed)!.name], ['S', 'phone-3.voice.example.com.'], 'the records are the server\'s to keep');
  assert.deepEqual(later, [], 'nothing sent again for an unchanged name');
  const nak = reply(await send({ type: MessageType.REQUEST, requested: '198.51.100.7', extra: option81(FqdnFlag.E | FqdnFlag.S, 'phone-3') }));
  assert.equal(nak.options.get(Opt.MESSAGE_TYPE)?.[0], MessageType.NAK);
  assert.ok(!nak.options.has(Opt.CLIENT_FQDN), 'a NAK binds nothing: no option 81');
});
