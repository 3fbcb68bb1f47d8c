// Sample failover messages for the wire tests: one or more of every kind, with
// the edge values each field can take (empty and 255-byte strings, multi-byte
// UTF-8, u32 and time extremes, 0 and many leases).
import { MAX_LEASE_STRING_BYTES, MAX_STRING_BYTES, encodeFrame, encodeMessage, type FailoverMessage, type WireLease } from '../../src/wire/failover/index.js';

export const bytes = (n: number, fill: number) => Buffer.alloc(n, fill);
/** 255 bytes of UTF-8 made of 2- and 3-byte characters and ASCII. */
export const MAX_UTF8 = 'é€a'.repeat(42) + 'abc';
if (Buffer.byteLength(MAX_UTF8) !== MAX_STRING_BYTES) throw new Error(`MAX_UTF8 is ${Buffer.byteLength(MAX_UTF8)} bytes`);
export const MAX_ASCII = 'x'.repeat(MAX_STRING_BYTES);
/** MAX_LEASE_STRING_BYTES (3072) bytes of UTF-8: a lease's longest string. */
export const MAX_LEASE_UTF8 = 'é€a'.repeat(511) + 'abcdef';
if (Buffer.byteLength(MAX_LEASE_UTF8) !== MAX_LEASE_STRING_BYTES) throw new Error(`MAX_LEASE_UTF8 is ${Buffer.byteLength(MAX_LEASE_UTF8)} bytes`);

export const LEASE: WireLease = {
  address: 0xc0000264,
  subnetId: 7,
  clientKey: 'id:01001122334455',
  hwAddress: '001122334455',
  state: 'bound',
  startedAt: 1_764_500_000_000,
  expiresAt: 1_764_503_600_000,
};

export function lease(i: number, extra: Partial<WireLease> = {}): WireLease {
  const states = ['bound', 'released', 'expired', 'declined'] as const;
  const l: WireLease = { ...LEASE, address: (0xc6120000 + i) >>> 0, state: states[i % 4]!, clientKey: `hw:1:${i.toString(16).padStart(12, '0')}`, ...extra };
  if (i % 3 === 0) return { ...l, hostname: `host-${i}` };
  if (i % 3 === 1) return { ...l, partnerExpiry: l.expiresAt + 1 };
  return l;
}

export const EXTREME_LEASE: WireLease = {
  address: 0xffffffff,
  subnetId: 0xffffffff,
  clientKey: MAX_LEASE_UTF8,
  hwAddress: 'x'.repeat(MAX_LEASE_STRING_BYTES),
  state: 'declined',
  startedAt: 0,
  expiresAt: Number.MAX_SAFE_INTEGER,
  hostname: MAX_LEASE_UTF8,
  partnerExpiry: Number.MAX_SAFE_INTEGER,
};

export const MANY = 5000;

/** At least one message of every kind, each field at an edge somewhere. */
export function sampleMessages(): FailoverMessage[] {
  return [
    { kind: 'hello', relationship: 'branch-7', serverName: 'dhcp-a', role: 'primary', mode: 'hot-standby', configHash: bytes(32, 0xab), clock: 1_764_500_000_123, nonce: bytes(32, 1) },
    { kind: 'hello', relationship: MAX_UTF8, serverName: MAX_ASCII, role: 'secondary', mode: 'load-balancing', configHash: bytes(32, 0), clock: Number.MAX_SAFE_INTEGER, nonce: bytes(32, 0xff) },
    { kind: 'hello', relationship: '', serverName: '', role: 'standby', mode: 'hot-standby', configHash: bytes(32, 0), clock: 0, nonce: bytes(32, 0) },
    { kind: 'hello-reply', result: 'ok', serverName: 'dhcp-b', role: 'standby', clock: 1_764_500_000_456, nonce: bytes(32, 2), proof: bytes(32, 3) },
    { kind: 'hello-reply', result: 'config-mismatch', serverName: MAX_UTF8, role: 'secondary', clock: 0, nonce: bytes(32, 0), proof: bytes(32, 0) },
    { kind: 'hello-reply', result: 'auth-failed', serverName: 'x', role: 'primary', clock: 1, nonce: bytes(32, 9), proof: bytes(32, 9) },
    { kind: 'auth', proof: bytes(32, 4) },
    { kind: 'heartbeat', state: 'normal', clock: 1_764_500_001_000, unsynced: 0 },
    { kind: 'heartbeat', state: 'terminated', clock: Number.MAX_SAFE_INTEGER, unsynced: 0xffffffff },
    { kind: 'heartbeat', state: 'startup', clock: 0, unsynced: 1 },
    { kind: 'update', batch: 0, leases: [] },
    { kind: 'update', batch: 1, leases: [LEASE] },
    { kind: 'update', batch: 0xffffffff, leases: [EXTREME_LEASE, LEASE, { ...LEASE, hostname: 'ünïcødé-☎' }] },
    { kind: 'update', batch: 2, leases: Array.from({ length: MANY }, (_, i) => lease(i)) },
    { kind: 'update-ack', batch: 1, rejected: [] },
    { kind: 'update-ack', batch: 0xffffffff, rejected: [{ address: LEASE.address, reason: 'newer', lease: LEASE }, { address: 0, reason: 'unknown-subnet', lease: EXTREME_LEASE }, { address: 1, reason: 'invalid', lease: lease(2) }] },
    { kind: 'update-ack', batch: 3, rejected: Array.from({ length: 1000 }, (_, i) => ({ address: lease(i).address, reason: 'newer' as const, lease: lease(i) })) },
    { kind: 'resync-request', subnetId: 7, after: 0, limit: 5000 },
    { kind: 'resync-request', subnetId: 0xffffffff, after: 0xffffffff, limit: 0xffff },
    { kind: 'resync-page', subnetId: 7, last: true, next: 0, leases: [] },
    { kind: 'resync-page', subnetId: 7, last: false, next: 0xc6121388, leases: Array.from({ length: MANY }, (_, i) => lease(i)) },
    { kind: 'resync-page', subnetId: 0, last: true, next: 0xffffffff, leases: [EXTREME_LEASE] },
    { kind: 'state-command', command: 'maintenance', token: 0 },
    { kind: 'state-command', command: 'partner-down', token: 1 },
    { kind: 'state-command', command: 'resume', token: 0x7fffffff },
    { kind: 'state-command', command: 'takeover', token: 0xffffffff },
    { kind: 'bye', reason: 'shutdown', text: '' },
    { kind: 'bye', reason: 'protocol-error', text: MAX_UTF8 },
    { kind: 'bye', reason: 'replaced', text: 'a newer connection' },
  ];
}

/** A session key and a stream: HELLO, AUTH unMAC'd (sequence 0, 1), then MAC'd messages numbered from 0. */
export const SESSION_KEY = bytes(32, 0x5e);

export function handshakeFrames(): Buffer[] {
  const hello = encodeMessage(sampleMessages()[0]!);
  const auth = encodeMessage({ kind: 'auth', proof: bytes(32, 4) });
  return [encodeFrame({ ...hello, sequence: 0 }), encodeFrame({ ...auth, sequence: 1 })];
}

export function sessionFrames(messages: readonly FailoverMessage[], key = SESSION_KEY, from = 0): Buffer[] {
  return messages.map((m, i) => encodeFrame({ ...encodeMessage(m), sequence: from + i }, key));
}
