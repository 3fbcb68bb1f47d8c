// Micro-benchmark of the DHCPv4 codec (not a peer benchmark): decode of captured
// requests, encode of an ACK into a preallocated buffer with a pre-built option
// block, and the two together as the server's per-packet codec cost.
//
//   node dist/bench/micro/dhcp4-codec.js [--seconds N]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  MessageType,
  clientIdentifierBytes,
  decode,
  encode,
  encodeInto,
  encodeOption,
  ipv4FromString,
  messageType,
  newMessage,
  optionBlock,
  requestedAddress,
  type Dhcp4Message,
} from '../../src/wire/dhcp4/index.js';
import { repoRoot } from '../../test/support/paths.js';
import { SECONDS, bench as timed } from './ops.js';

const bench = (name: string, fn: () => number) => timed(name, fn, 52);


function fixture(name: string): Buffer {
  const text = readFileSync(join(repoRoot, 'test', 'fixtures', 'dhcp4', name), 'utf8');
  return Buffer.from(text.split('\n').filter((l) => !l.startsWith('#')).join(''), 'hex');
}

const ip = ipv4FromString;
const discover = fixture('dhclient-01-discover.hex');
const request = fixture('dhcpcd-03-request.hex');
const relayed = fixture('perfdhcp-03-request.hex');

// What a server builds once per subnet: the options every ACK there carries.
const subnetBlock = optionBlock([
  [1, encodeOption(1, ip('255.255.255.0'))],
  [3, encodeOption(3, [ip('192.0.2.1')])],
  [6, encodeOption(6, [ip('192.0.2.1'), ip('198.51.100.53')])],
  [15, encodeOption(15, 'example.com')],
  [42, encodeOption(42, [ip('192.0.2.1')])],
  [66, encodeOption(66, '192.0.2.1')],
  [150, encodeOption(150, [ip('192.0.2.1')])],
  [176, encodeOption(176, 'MCIPADD=192.0.2.10,MCPORT=1719,TFTPSRVR=192.0.2.1,L2Q=1,L2QVLAN=20')],
]);
const ACK = encodeOption(53, MessageType.ACK);
const SERVER_ID = encodeOption(54, ip('192.0.2.1'));
const LEASE = encodeOption(51, 3600);
const T1 = encodeOption(58, 1800);
const T2 = encodeOption(59, 3150);
const out = Buffer.allocUnsafe(1500);

function reply(req: Dhcp4Message): number {
  const options = new Map<number, Buffer>([
    [53, ACK],
    [54, SERVER_ID],
    [51, LEASE],
    [58, T1],
    [59, T2],
  ]);
  const cid = clientIdentifierBytes(req);
  if (cid !== undefined) options.set(61, cid);
  const relay = req.options.get(82);
  if (relay !== undefined) options.set(82, relay);
  const ack: Dhcp4Message = {
    op: 2,
    htype: req.htype,
    hlen: req.hlen,
    hops: 0,
    xid: req.xid,
    secs: 0,
    flags: req.flags,
    ciaddr: req.ciaddr,
    yiaddr: requestedAddress(req) ?? ip('192.0.2.100'),
    siaddr: 0,
    giaddr: req.giaddr,
    chaddr: req.chaddr,
    sname: EMPTY,
    file: EMPTY,
    options,
  };
  return encodeInto(ack, out, 0, { blocks: [subnetBlock] });
}
const EMPTY = Buffer.alloc(0);


console.log(`dhcp4 codec micro-benchmark (node ${process.version}, ${SECONDS} s per case)`);
bench(`decode DISCOVER (dhclient, ${discover.length} B)`, () => decode(discover).xid);
bench(`decode REQUEST (dhcpcd, ${request.length} B)`, () => decode(request).xid);
bench(`decode relayed REQUEST with option 82 (perfdhcp, ${relayed.length} B)`, () => decode(relayed).xid);
bench('decode + validate every option (dhcpcd REQUEST)', () => decode(request, { validate: true }).xid);
const reqMsg = decode(request);
bench('encodeInto ACK (5 options + 8-option block)', () => reply(reqMsg));
bench('encode ACK into a new Buffer', () => encode(newMessage({ op: 2, htype: 1, hlen: 6, options: reqMsg.options })).length);
bench('decode REQUEST + messageType + encodeInto ACK', () => {
  const m = decode(request);
  return messageType(m) === MessageType.REQUEST ? reply(m) : 0;
});
bench('decode relayed REQUEST + encodeInto ACK (82 echoed)', () => reply(decode(relayed)));
