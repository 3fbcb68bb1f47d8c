// A UDP socket with text addresses for protocols that answer from where a request came
// (TFTP): IPv4 through the native socket, which tells the local address each datagram
// was sent to (IP_PKTINFO) — a server listening on 0.0.0.0 can then bind a reply socket
// to that very address —, IPv6 through node:dgram (the local address is not known
// there; a reply socket binds the listening address). Sends never throw on network
// errors: they are counted by the socket.
import { createSocket } from 'node:dgram';
import { isIPv4 } from '../core/ip.js';
import { ipv4FromString, ipv4ToString } from '../wire/ipv4.js';
import { Udp4Socket } from './udp4-socket.js';

export interface UdpReceived {
  readonly data: Buffer;
  readonly from: string;
  readonly fromPort: number;
  /** The local address the datagram was sent to (IPv4 only), e.g. for a reply socket. */
  readonly to?: string;
}

export interface UdpEndpoint {
  /** The bound address, as given. */
  readonly address: string;
  /** The bound port (the kernel's choice when opened with port 0). */
  readonly port: number;
  send(data: Buffer, address: string, port: number): void;
  close(): void;
}

export interface UdpEndpointOptions {
  readonly address: string;
  readonly port: number;
  readonly onMessage: (m: UdpReceived) => void;
  /** Longest datagram received (longer ones are dropped); default 65535. */
  readonly maxDatagramBytes?: number;
}

export async function openUdpEndpoint(o: UdpEndpointOptions): Promise<UdpEndpoint> {
  if (isIPv4(o.address)) {
    const socket = Udp4Socket.open({ address: ipv4FromString(o.address), port: o.port, maxDatagramBytes: o.maxDatagramBytes ?? 65535 });
    socket.onMessage((d) => o.onMessage({ data: d.data, from: ipv4ToString(d.from), fromPort: d.fromPort, to: ipv4ToString(d.to) }));
    return {
      address: o.address,
      port: socket.localPort,
      send: (data, address, port) => socket.queue(data, ipv4FromString(address), port),
      close: () => socket.close(),
    };
  }
  const socket = createSocket({ type: 'udp6', ipv6Only: true });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(o.port, o.address, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  socket.on('error', () => undefined);
  const max = o.maxDatagramBytes ?? 65535;
  socket.on('message', (data, rinfo) => {
    if (data.length <= max) o.onMessage({ data, from: rinfo.address, fromPort: rinfo.port });
  });
  let closed = false;
  return {
    address: o.address,
    port: socket.address().port,
    send: (data, address, port) => {
      if (!closed) socket.send(data, port, address, () => undefined);
    },
    close: () => {
      if (closed) return;
      closed = true;
      socket.close();
    },
  };
}
