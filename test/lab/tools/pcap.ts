// A minimal reader of classic pcap files (what `tcpdump -w` writes) for Ethernet
// captures of IPv4/UDP: enough to pull DHCP datagrams out of a lab capture.

export interface UdpDatagram {
  /** Capture time, seconds since the epoch. */
  readonly time: number;
  readonly src: string;
  readonly dst: string;
  readonly sport: number;
  readonly dport: number;
  readonly payload: Buffer;
}

const LINKTYPE_ETHERNET = 1;

export function readPcapUdp(file: Buffer): UdpDatagram[] {
  if (file.length < 24) throw new Error('pcap: shorter than its global header');
  const magic = file.readUInt32LE(0);
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  if (!le && file.readUInt32BE(0) !== 0xa1b2c3d4 && file.readUInt32BE(0) !== 0xa1b23c4d) throw new Error('pcap: bad magic');
  const nanos = (le ? magic : file.readUInt32BE(0)) === 0xa1b23c4d;
  const u32 = (o: number) => (le ? file.readUInt32LE(o) : file.readUInt32BE(o));
  if (u32(20) !== LINKTYPE_ETHERNET) throw new Error(`pcap: link type ${u32(20)} is not Ethernet`);
  const out: UdpDatagram[] = [];
  let p = 24;
  while (p + 16 <= file.length) {
    const time = u32(p) + u32(p + 4) / (nanos ? 1e9 : 1e6);
    const caplen = u32(p + 8);
    const frame = file.subarray(p + 16, p + 16 + caplen);
    p += 16 + caplen;
    if (frame.length < 14 + 20 || frame.readUInt16BE(12) !== 0x0800) continue;
    const ip = frame.subarray(14);
    const ihl = (ip[0]! & 0x0f) * 4;
    if (ip[9] !== 17 || ip.length < ihl + 8) continue;
    const totalLength = ip.readUInt16BE(2);
    const udp = ip.subarray(ihl, totalLength);
    const udpLength = udp.readUInt16BE(4);
    out.push({
      time,
      src: [...ip.subarray(12, 16)].join('.'),
      dst: [...ip.subarray(16, 20)].join('.'),
      sport: udp.readUInt16BE(0),
      dport: udp.readUInt16BE(2),
      payload: Buffer.from(udp.subarray(8, udpLength)),
    });
  }
  return out;
}
