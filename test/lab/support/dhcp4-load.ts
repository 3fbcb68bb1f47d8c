// Test program: a DHCPv4 load client that talks to the server as a relay would (like
// perfdhcp -l): unicast from port 67 with giaddr set, one distinct client MAC per
// exchange, DISCOVER → OFFER → REQUEST → ACK, WINDOW exchanges in flight. Every
// DHCPACK is appended to OUT_FILE as "address mac ms server" the moment it arrives
// (writeSync: a line is on disk before the next datagram is read), so a parent that
// kills the server at any moment knows every lease a client saw acknowledged, when,
// and from whom. SERVER may list several servers, comma-separated: every request goes
// to each, as a relay forwarding to a failover pair does. Bounded: stops after
// MAX_CLIENTS exchanges or MAX_MS, whichever first, then prints one JSON summary.
// Usage: node dhcp4-load.js SERVER[,SERVER…] GIADDR MAC_TAG WINDOW MAX_CLIENTS MAX_MS OUT_FILE
import { createSocket } from 'node:dgram';
import { closeSync, openSync, writeSync } from 'node:fs';
import {
  BOOTREQUEST, HTYPE_ETHERNET, MessageType, Opt, decode, encode, ipv4FromString, ipv4ToString, messageType, newMessage,
} from '../../../src/wire/dhcp4/index.js';

const [serverList = '', giaddrText = '', tagText = '1', windowText = '32', maxClientsText = '100000', maxMsText = '10000', outFile = ''] = process.argv.slice(2);
const giaddr = ipv4FromString(giaddrText);
const tag = Number(tagText) & 0xff;
const window = Number(windowText);
const maxClients = Math.min(Number(maxClientsText), 0xffffff);
const deadline = Date.now() + Number(maxMsText);
const servers = serverList.split(',');
const RETRY_MS = 400;
const TRIES = 4;

interface Exchange { index: number; mac: Buffer; xid: number; stage: 'discover' | 'request'; began: number; sentAt: number; tries: number; packet: Buffer }
const inFlight = new Map<number, Exchange>(); // by xid
const out = openSync(outFile, 'a');
const stats = { started: 0, acks: 0, naks: 0, offers: 0, abandoned: 0, sent: 0, strays: 0 };
let next = 0;
let finished = false;

const socket = createSocket('udp4');

function macOf(index: number): Buffer {
  return Buffer.of(0x02, tag, 0x5e, (index >>> 16) & 0xff, (index >>> 8) & 0xff, index & 0xff);
}
const hex = (b: Buffer) => [...b].map((x) => x.toString(16).padStart(2, '0')).join(':');

function send(x: Exchange): void {
  x.sentAt = Date.now();
  x.tries++;
  x.packet.writeUInt16BE(Math.min(0xffff, Math.floor((x.sentAt - x.began) / 1000)), 8); // secs: how long the client has been trying
  for (const server of servers) {
    stats.sent++;
    socket.send(x.packet, 67, server, () => undefined); // an unreachable server is a lost packet: retried
  }
}

function packet(x: Exchange, type: number, extra: [number, Buffer][] = []): Buffer {
  const options = new Map<number, Buffer>([[Opt.MESSAGE_TYPE, Buffer.of(type)], ...extra]);
  options.set(Opt.PARAMETER_REQUEST_LIST, Buffer.of(1, 3, 6, 51));
  return encode(newMessage({ op: BOOTREQUEST, htype: HTYPE_ETHERNET, hlen: 6, hops: 1, xid: x.xid, giaddr, chaddr: x.mac, options }));
}

function start(): void {
  while (!finished && inFlight.size < window && next < maxClients && Date.now() < deadline) {
    const index = next++;
    const x: Exchange = { index, mac: macOf(index), xid: ((tag << 24) | index) >>> 0, stage: 'discover', began: Date.now(), sentAt: 0, tries: 0, packet: Buffer.alloc(0) };
    x.packet = packet(x, MessageType.DISCOVER);
    inFlight.set(x.xid, x);
    stats.started++;
    send(x);
  }
  if (!finished && (next >= maxClients || Date.now() >= deadline) && inFlight.size === 0) finish();
}

socket.on('message', (data, rinfo) => {
  let msg;
  try { msg = decode(data); } catch { stats.strays++; return; }
  const x = inFlight.get(msg.xid);
  if (!x || !x.mac.equals(msg.chaddr.subarray(0, 6))) { stats.strays++; return; }
  const type = messageType(msg);
  if (type === MessageType.OFFER && x.stage === 'discover') {
    stats.offers++;
    const sid = msg.options.get(Opt.SERVER_ID);
    const req = Buffer.alloc(4);
    req.writeUInt32BE(msg.yiaddr);
    x.stage = 'request';
    x.tries = 0;
    x.packet = packet(x, MessageType.REQUEST, [[Opt.REQUESTED_ADDRESS, req], ...(sid ? [[Opt.SERVER_ID, sid] as [number, Buffer]] : [])]);
    send(x);
  } else if (type === MessageType.ACK && x.stage === 'request') {
    writeSync(out, `${ipv4ToString(msg.yiaddr)} ${hex(x.mac)} ${Date.now()} ${rinfo.address}\n`);
    stats.acks++;
    inFlight.delete(x.xid);
    start();
  } else if (type === MessageType.NAK) {
    stats.naks++;
    inFlight.delete(x.xid);
    start();
  } else {
    stats.strays++;
  }
});

const timer = setInterval(() => {
  const now = Date.now();
  for (const x of inFlight.values()) {
    if (now - x.sentAt < RETRY_MS) continue;
    if (x.tries >= TRIES || now >= deadline) { inFlight.delete(x.xid); stats.abandoned++; continue; }
    send(x);
  }
  start();
}, 50);

function finish(): void {
  if (finished) return;
  finished = true;
  clearInterval(timer);
  closeSync(out);
  console.log(JSON.stringify({ done: true, ...stats }));
  socket.close();
}

process.on('SIGTERM', () => { finish(); process.exit(0); });
socket.bind(67, giaddrText, () => {
  console.log(JSON.stringify({ ready: true }));
  start();
});
