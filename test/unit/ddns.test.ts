// DHCP → DNS, the pure parts: DHCID RDATA (RFC 4701's own examples), names, the
// config (defaults, derived reverse zone, TTL, every error with its path), the policy
// over lease transitions, the UPDATE messages through the codec, the backlog's merges.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DHCID_TYPE, RRClass, RRType, decodeMessage, dhcidIdentifier, dhcidRdata, encodeMessage, type DnsMessage } from '../../src/wire/dns/index.js';
import { hostLabel, reverseName } from '../../src/protocol/ddns/name.js';
import { dnsChanges, identityOf, parts } from '../../src/protocol/ddns/policy.js';
import { stepMessage } from '../../src/protocol/ddns/update-message.js';
import { DdnsBacklog } from '../../src/protocol/ddns/backlog.js';
import type { DnsChange } from '../../src/protocol/ddns/change.js';
import { ddnsSettings, derivedReverseZone, type DdnsSettings } from '../../src/config/ddns-effective.js';
import type { Lease } from '../../src/protocol/dhcp/lease.js';
import { compileDhcp } from '../../src/protocol/dhcp/compile.js';
import { FqdnFlag } from '../../src/wire/dhcp4/index.js';
import { baseDhcp, loadDhcp, problemsOf } from './dhcp-config-support.js';

const SECRET = Buffer.alloc(32, 7).toString('base64');

test('DHCID RDATA matches RFC 4701 §3.6: chaddr (type 0) and client identifier (type 1)', () => {
  const hw = dhcidIdentifier({ htype: 1, chaddr: Buffer.from('010203040506', 'hex') });
  assert.equal(dhcidRdata(hw, 'client.example.com.').toString('base64'), 'AAABxLmlskllE0MVjd57zHcWmEH3pCQ6VytcKD//7es/deY=');
  const id = dhcidIdentifier({ clientId: Buffer.from('010708090a0b0c', 'hex'), htype: 1, chaddr: Buffer.alloc(6) });
  assert.equal(dhcidRdata(id, 'chi.example.com.').toString('base64'), 'AAEBOSD+XR3Os/0LozeXVqcNc7FwCfQdWL3b/NaiUDlW2No=');
  // The name in canonical form: case does not change the digest.
  assert.deepEqual(dhcidRdata(id, 'CHI.Example.COM.'), dhcidRdata(id, 'chi.example.com.'));
  // An RFC 4361 client identifier (type 255, IAID, DUID): the DUID, type 2.
  const duid = dhcidIdentifier({ clientId: Buffer.from('ff00000001000100014dfa', 'hex'), htype: 1, chaddr: Buffer.alloc(0) });
  assert.deepEqual([duid.type, duid.bytes.toString('hex')], [2, '000100014dfa']);
  assert.deepEqual(identityOf('hw:1:0a0b0c0d0e0f'), { htype: 1, chaddr: Buffer.from('0a0b0c0d0e0f', 'hex') });
  assert.equal(identityOf('nonsense'), undefined);
});

test('host labels are the first label, sanitised to letters, digits and hyphens', () => {
  const cases: [string | undefined, string | undefined][] = [
    ['phone-1', 'phone-1'], ['phone-1.voice.example.com.', 'phone-1'], ['Phone_1', 'phone-1'], ['  Desk Phone (3) ', 'desk-phone-3'],
    ['-x-', 'x'], ['***', undefined], ['', undefined], [undefined, undefined], ['a'.repeat(80), 'a'.repeat(63)],
    ['we\\.ird\\032name.example.com.', 'we-ird-name'],
  ];
  for (const [input, want] of cases) assert.equal(hostLabel(input), want, String(input));
  assert.equal(reverseName('192.0.2.7'), '7.2.0.192.in-addr.arpa.');
});

test('ddns config: defaults, derived reverse zone, TTL of a third of the lease, subnet overrides', () => {
  const dhcp = baseDhcp();
  dhcp.ddns = { enabled: true, forwardZone: 'Voice.Example.com', server: { address: '203.0.113.53', key: 'k1' }, keys: [{ name: 'k1', secret: SECRET }] };
  dhcp.subnets.push({ id: 2, subnet: '198.51.100.0/24', relayAddresses: ['203.0.113.9'], ddns: { forwardZone: 'data.example.com', ttl: 60, clientFlags: 'override' } });
  const d = loadDhcp(dhcp);
  assert.deepEqual(ddnsSettings(d.ddns, d.subnets[0]!, 86400), {
    forwardZone: 'voice.example.com.', reverseZone: '2.0.192.in-addr.arpa.', server: { address: '203.0.113.53', port: 53, key: 'k1' }, ttl: 3600, clientFlags: 'honour',
  });
  assert.equal(ddnsSettings(d.ddns, d.subnets[0]!, 600)!.ttl, 200);
  assert.deepEqual(ddnsSettings(d.ddns, d.subnets[1]!, 600), {
    forwardZone: 'data.example.com.', reverseZone: '100.51.198.in-addr.arpa.', server: { address: '203.0.113.53', port: 53, key: 'k1' }, ttl: 60, clientFlags: 'override',
  });
  assert.equal(derivedReverseZone('127.0.0.0/8'), '127.in-addr.arpa.');
  assert.equal(derivedReverseZone('192.0.2.0/25'), undefined);
  assert.equal(ddnsSettings(loadDhcp(baseDhcp()).ddns, d.subnets[0]!, 600), undefined, 'off by default');
  // The engine's model carries them (option 81 replies, RFC 4702 §4).
  assert.deepEqual(compileDhcp(d).subnets.map((s) => s.ddns), [ddnsSettings(d.ddns, d.subnets[0]!, d.leaseTime), ddnsSettings(d.ddns, d.subnets[1]!, d.leaseTime)]);
  assert.deepEqual(compileDhcp(loadDhcp(baseDhcp())).subnets.map((s) => s.ddns), [undefined]);
});

test('ddns config errors name their path and reason', () => {
  const dhcp = baseDhcp();
  dhcp.subnets[0].subnet = '192.0.2.0/25';
  dhcp.subnets[0].pools = [{ start: '192.0.2.100', end: '192.0.2.120' }];
  dhcp.ddns = { enabled: true, keys: [{ name: 'k1', secret: 'nope' }, { name: 'K1.', secretFile: 'x' }] };
  assert.deepEqual(problemsOf(dhcp), [
    '$.dhcp.ddns.keys[0].secret: 3 bytes decoded; at least 16 are needed',
    '$.dhcp.ddns.keys[1].name: key K1. is defined more than once',
    '$.dhcp.ddns.forwardZone: registration is enabled for subnet 192.0.2.0/25: name the zone its clients are registered in',
    '$.dhcp.ddns.server: registration is enabled for subnet 192.0.2.0/25: name the server that takes the updates',
    '$.dhcp.subnets[0].ddns.reverseZone: 192.0.2.0/25 is not a /8, /16 or /24, so its reverse zone cannot be derived: give it',
  ]);
  const other = baseDhcp();
  other.ddns = { enabled: true, forwardZone: 'voice.example.com', reverseZone: '3.0.192.in-addr.arpa', server: { address: '203.0.113.53', key: 'missing' } };
  other.subnets[0].ddns = { server: { address: '203.0.113.54', port: 5353 }, reverseZone: 'example.com' };
  assert.deepEqual(problemsOf(other), [
    '$.dhcp.ddns.server.key: no key named missing in dhcp.ddns.keys or dns.keys',
    '$.dhcp.subnets[0].ddns.reverseZone: example.com is not an in-addr.arpa zone',
  ]);
  const unknown = baseDhcp();
  unknown.subnets[0].ddns = { zone: 'x' };
  assert.match(problemsOf(unknown).join('\n'), /\$\.dhcp\.subnets\[0\]\.ddns\.zone: unknown key/);
});

const SETTINGS: DdnsSettings = { forwardZone: 'voice.example.com.', reverseZone: '2.0.192.in-addr.arpa.', server: { address: '203.0.113.53', port: 53 }, ttl: 200, clientFlags: 'honour' };
const NOW = Date.UTC(2026, 0, 1);
const lease = (o: Partial<Lease> = {}): Lease => ({
  address: 0xc0000264, subnetId: 1, clientKey: 'hw:1:0a0b0c0d0e0f', hwAddress: '0a0b0c0d0e0f', state: 'bound', startedAt: NOW, expiresAt: NOW + 600_000, hostname: 'phone-1', ...o,
});
const summary = (cs: DnsChange[]) => cs.map((c) => `${c.kind} ${c.fqdn} ${c.address}${c.forward ? ' A' : ''}${c.reverse ? ' PTR' : ''}`);
const changes = (t: Parameters<typeof dnsChanges>[0]) => summary(dnsChanges(t, (id) => (id === 1 ? SETTINGS : undefined), NOW));

test('policy: which lease transitions register and remove names', () => {
  const bound = lease();
  const old = lease({ startedAt: NOW - 100_000, expiresAt: NOW + 500_000 });
  assert.deepEqual(changes({ event: 'ack', lease: bound }), ['add phone-1.voice.example.com. 192.0.2.100 A PTR'], 'new binding');
  assert.deepEqual(changes({ event: 'ack', lease: bound, previous: old }), [], 'renewal, same name');
  assert.deepEqual(changes({ event: 'ack', lease: lease({ hostname: 'phone-2' }), previous: old }), ['remove phone-1.voice.example.com. 192.0.2.100 A PTR', 'add phone-2.voice.example.com. 192.0.2.100 A PTR'], 'renewal, new name');
  assert.deepEqual(changes({ event: 'ack', lease: bound, previous: lease({ expiresAt: NOW - 1 }) }), ['add phone-1.voice.example.com. 192.0.2.100 A PTR'], 'bound again after running out, before reclaim');
  assert.deepEqual(changes({ event: 'ack', lease: bound, previous: lease({ state: 'released', hostname: 'phone-0' }) }), ['add phone-1.voice.example.com. 192.0.2.100 A PTR'], 'after a release');
  assert.deepEqual(changes({ event: 'ack', lease: bound, previous: lease({ clientKey: 'hw:1:aaaaaaaaaaaa', hostname: 'other', expiresAt: NOW - 1 }) }),
    ['remove other.voice.example.com. 192.0.2.100 A PTR', 'add phone-1.voice.example.com. 192.0.2.100 A PTR'], 'another client\'s lapsed, unreclaimed binding');
  for (const event of ['release', 'expire', 'decline'] as const) {
    assert.deepEqual(changes({ event, lease: lease({ state: event === 'release' ? 'released' : event === 'expire' ? 'expired' : 'declined', hostname: undefined }), previous: bound }), ['remove phone-1.voice.example.com. 192.0.2.100 A PTR'], event);
  }
  assert.deepEqual(changes({ event: 'expire', lease: lease({ state: 'expired' }), previous: lease({ state: 'declined' }) }), [], 'quarantine over');
  assert.deepEqual(changes({ event: 'ack', lease: lease({ hostname: undefined }) }), [], 'no name');
  assert.deepEqual(changes({ event: 'ack', lease: lease({ subnetId: 2 }) }), [], 'registration off in the subnet');
  assert.deepEqual(changes({ event: 'ack', lease: bound, fqdnFlags: FqdnFlag.N }), [], 'N: no update');
  assert.deepEqual(changes({ event: 'ack', lease: bound, fqdnFlags: 0 }), ['add phone-1.voice.example.com. 192.0.2.100 PTR'], 'S clear: PTR only');
  assert.deepEqual(parts(FqdnFlag.N, 'override'), { forward: true, reverse: true });
  assert.deepEqual(parts(FqdnFlag.S | FqdnFlag.E, 'honour'), { forward: true, reverse: true });
});

const CHANGE: DnsChange = {
  kind: 'add', fqdn: 'phone-1.voice.example.com.', address: '192.0.2.100', dhcid: dhcidRdata(dhcidIdentifier({ htype: 1, chaddr: Buffer.alloc(6, 1) }), 'phone-1.voice.example.com.').toString('base64'),
  ttl: 200, forward: true, reverse: true, forwardZone: 'voice.example.com.', reverseZone: '2.0.192.in-addr.arpa.', server: { address: '203.0.113.53', port: 53 }, at: NOW,
};

test('UPDATE messages (RFC 2136): zone, prerequisites and updates with the classes of §2.4–2.5, through the codec', () => {
  const view = (m: DnsMessage) => {
    const d = decodeMessage(encodeMessage(m));
    const rr = (r: DnsMessage['answers'][number]) => `${r.name} ${r.class} ${r.type} ${r.ttl} ${'opaque' in r.data ? r.data.opaque.length : JSON.stringify(r.data)}`;
    return { opcode: d.flags.opcode, zone: d.questions.map((q) => `${q.name} ${q.type}`), pre: d.answers.map(rr), up: d.authorities.map(rr) };
  };
  const dl = Buffer.from(CHANGE.dhcid, 'base64').length;
  assert.equal(dl, 35);
  const { ANY, NONE, IN } = RRClass;
  const n = CHANGE.fqdn;
  assert.deepEqual(view(stepMessage('add-forward', CHANGE, 1)), { opcode: 5, zone: ['voice.example.com. 6'], pre: [`${n} ${NONE} ${RRType.ANY} 0 0`], up: [`${n} ${IN} 1 200 {"address":"192.0.2.100"}`, `${n} ${IN} ${DHCID_TYPE} 200 ${dl}`] });
  assert.deepEqual(view(stepMessage('replace-forward', CHANGE, 2)).pre, [`${n} ${IN} ${DHCID_TYPE} 0 ${dl}`]);
  assert.deepEqual(view(stepMessage('replace-forward', CHANGE, 2)).up, [`${n} ${ANY} 1 0 0`, `${n} ${IN} 1 200 {"address":"192.0.2.100"}`]);
  assert.deepEqual(view(stepMessage('remove-forward', CHANGE, 3)).up, [`${n} ${ANY} 1 0 0`, `${n} ${ANY} ${DHCID_TYPE} 0 0`]);
  const ptr = '100.2.0.192.in-addr.arpa.';
  assert.deepEqual(view(stepMessage('add-reverse', CHANGE, 4)), { opcode: 5, zone: ['2.0.192.in-addr.arpa. 6'], pre: [], up: [`${ptr} ${ANY} 12 0 0`, `${ptr} ${IN} 12 200 {"host":"${n}"}`] });
  assert.deepEqual(view(stepMessage('remove-reverse', CHANGE, 5)).up, [`${ptr} ${NONE} 12 0 {"host":"${n}"}`]);
});

test('the backlog merges superseded changes and counts them', () => {
  const b = new DdnsBacklog();
  const add = (c: DnsChange) => { const d = b.decide(c); b.apply(d); return d; };
  const remove = { ...CHANGE, kind: 'remove' as const };
  add(CHANGE);
  add(remove);
  assert.deepEqual([b.size, b.merged], [0, 2], 'add then remove before delivery: nothing');
  add(remove);
  add(remove);
  assert.deepEqual([b.size, b.merged], [1, 3], 'a second remove of the same');
  add(CHANGE);
  add(CHANGE);
  assert.deepEqual([[...b.pending()].map((q) => q.change.kind), b.merged], [['remove', 'add'], 4], 'remove, add kept in order; the older add dropped');
  const inFlight = [...b.pending()][1]!;
  b.setBusy(inFlight.seq, true);
  add(remove);
  assert.deepEqual([...b.pending()].map((q) => q.change.kind), ['remove', 'add', 'remove'], 'an add in flight is never merged');
  add({ ...CHANGE, fqdn: 'other.voice.example.com.' });
  assert.equal(b.size, 4, 'other names are independent');
});
