// The DNS UPDATE client's transport (src/protocol/ddns/sender.ts): one message to one
// server over UDP from a fresh connected socket (only that server's datagrams reach it;
// a new random source port per message), the answer with the same id; over TCP
// (RFC 7766 two-byte length framing) when the UDP answer is truncated (TC) or the
// message is too large for UDP. Both within the timeout.
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import type { DdnsTransport } from '../protocol/ddns/sender.js';

const TC = 0x02;
const UDP_MAX = 512;

function udp(server: { address: string; port: number }, message: Buffer, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    const id = message.readUInt16BE(0);
    const timer = setTimeout(() => done(new Error(`no answer from ${server.address}:${server.port} in ${timeoutMs} ms (UDP)`)), timeoutMs);
    const done = (error: Error | undefined, answer?: Buffer) => {
      clearTimeout(timer);
      socket.close();
      if (error) reject(error);
      else resolve(answer!);
    };
    socket.on('error', (e) => done(e));
    socket.on('message', (m) => { if (m.length >= 12 && m.readUInt16BE(0) === id) done(undefined, m); });
    socket.connect(server.port, server.address, () => socket.send(message, (e) => { if (e) done(e); }));
  });
}

function tcp(server: { address: string; port: number }, message: Buffer, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: server.address, port: server.port });
    let received = Buffer.alloc(0);
    const timer = setTimeout(() => done(new Error(`no answer from ${server.address}:${server.port} in ${timeoutMs} ms (TCP)`)), timeoutMs);
    const done = (error: Error | undefined, answer?: Buffer) => {
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve(answer!);
    };
    socket.on('error', (e) => done(e));
    socket.on('close', () => done(new Error(`${server.address}:${server.port} closed the TCP connection without an answer`)));
    socket.on('connect', () => {
      const prefix = Buffer.alloc(2);
      prefix.writeUInt16BE(message.length);
      socket.write(Buffer.concat([prefix, message]));
    });
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      if (received.length >= 2 && received.length >= 2 + received.readUInt16BE(0)) done(undefined, received.subarray(2, 2 + received.readUInt16BE(0)));
    });
  });
}

export const dnsUpdateTransport: DdnsTransport = {
  async exchange(server, message, timeoutMs) {
    if (message.length > UDP_MAX) return tcp(server, message, timeoutMs);
    const answer = await udp(server, message, timeoutMs);
    return answer.length > 2 && (answer[2]! & TC) !== 0 ? tcp(server, message, timeoutMs) : answer;
  },
};
