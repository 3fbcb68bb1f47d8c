// One DNS change derived from a lease event (docs/dns.md "DHCP → DNS"): register a
// client's name (A + DHCID in the forward zone, PTR in the reverse zone) or remove it.
// Plain data: the durable queue (src/storage/ddns-queue.ts) stores it as JSON.

export interface DdnsServer {
  readonly address: string;
  readonly port: number;
  /** TSIG key name (dhcp.ddns.keys or dns.keys); absent: unsigned. */
  readonly key?: string;
}

export interface DnsChange {
  readonly kind: 'add' | 'remove';
  /** Absolute, lower case: "phone-1.voice.example.com.". */
  readonly fqdn: string;
  /** The leased address, dotted quad. */
  readonly address: string;
  /** DHCID RDATA (RFC 4701), base64: whose name it is. */
  readonly dhcid: string;
  readonly ttl: number;
  /** Update A + DHCID in the forward zone. */
  readonly forward: boolean;
  /** Update the PTR in the reverse zone. */
  readonly reverse: boolean;
  readonly forwardZone: string;
  readonly reverseZone?: string;
  readonly server: DdnsServer;
  /** When the lease event happened (ms since the epoch): the age limit counts from here. */
  readonly at: number;
}

/** A change in the queue, numbered in the order it was accepted. */
export interface QueuedChange {
  readonly seq: number;
  readonly change: DnsChange;
}

/** Changes that must be delivered in order share a key: the same name or the same address. */
export function orderKeys(c: DnsChange): readonly string[] {
  return [`n:${c.fqdn}`, `a:${c.address}`];
}
