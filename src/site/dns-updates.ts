// DNS UPDATEs in the DNS service (docs/dns.md "DNS UPDATE"): the responder routes and
// verifies them (protocol/dns/responder.ts) and hands them here.
//   - apply: a primary zone's update goes to its PrimaryZone (judged, journalled, one
//     at a time); a change is swapped in and NOTIFYed by the service (onChange).
//   - forward: a secondary zone's update is sent as received to its primaries in turn
//     (RFC 2136 §6), over UDP, TCP when truncated; the first answer is relayed. At most
//     MAX_FORWARDS at once: forwarding costs the primary, and anyone may send.
//   - refused: updates answered before either, logged.
import { zoneKey } from '../config/dns-validate.js';
import type { DnsConfig } from '../config/dns-schema.js';
import type { ClientAddress } from '../protocol/dns/acl.js';
import type { UpdateHandler } from '../protocol/dns/responder.js';
import type { UpdateVerdict } from '../protocol/dns/update/update.js';
import type { DdnsTransport } from '../protocol/ddns/sender.js';
import { logEvent, type Logger } from '../runtime/log.js';
import type { RateLimitedLog } from '../runtime/rate-limited-log.js';
import { ipv4ToString } from '../wire/ipv4.js';
import { Rcode, type DnsMessage } from '../wire/dns/types.js';
import type { PrimaryZone } from './dns-primary-zone.js';

export const MAX_FORWARDS = 64;
export const FORWARD_TIMEOUT_MS = 5000;

export interface DnsUpdatesOptions {
  readonly config: DnsConfig;
  readonly primaries: ReadonlyMap<string, PrimaryZone>;
  readonly transport: DdnsTransport;
  readonly log: Logger;
  /** DNS_UPDATE_REFUSED lines. */
  readonly refusedLog: RateLimitedLog;
  /** DNS_UPDATE_FORWARD_FAILED lines. */
  readonly forwardLog: RateLimitedLog;
  /** A primary zone changed: swap it in, NOTIFY its secondaries. */
  readonly onChange: (zone: PrimaryZone) => void;
}

export class DnsUpdates implements UpdateHandler {
  private forwarding = 0;

  constructor(private readonly o: DnsUpdatesOptions) {}

  async apply(zone: string, message: DnsMessage, tsigKey: string | undefined, client: ClientAddress): Promise<number> {
    const primary = this.o.primaries.get(zoneKey(zone));
    if (!primary) {
      this.refused({ kind: 'answer', rcode: Rcode.NOTAUTH, reason: 'not a primary zone of this server', zone }, tsigKey, client);
      return Rcode.NOTAUTH;
    }
    const result = await primary.update(message, tsigKey);
    if (result.serial === undefined) {
      this.refused({ kind: 'answer', rcode: result.rcode, reason: result.reason, zone }, tsigKey, client);
      return result.rcode;
    }
    logEvent(this.o.log, 'DNS_UPDATE_APPLIED', { zone: primary.origin, client: clientText(client), key: tsigKey, serial: result.serial, change: result.reason });
    this.o.onChange(primary);
    return result.rcode;
  }

  async forward(zone: string, wire: Buffer, client: ClientAddress): Promise<Buffer | undefined> {
    const from = clientText(client);
    if (this.forwarding >= MAX_FORWARDS) {
      this.o.forwardLog.event({ zone, client: from, reason: `${MAX_FORWARDS} forwards in flight already` });
      return undefined;
    }
    const primaries = this.o.config.zones.find((z) => zoneKey(z.name) === zoneKey(zone))?.primaries ?? [];
    const failures: string[] = [];
    this.forwarding++;
    try {
      for (const p of primaries) {
        try {
          const answer = await this.o.transport.exchange({ address: p.address, port: p.port }, wire, FORWARD_TIMEOUT_MS);
          if (answer.length < 12 || answer.readUInt16BE(0) !== wire.readUInt16BE(0) || (answer[2]! & 0x80) === 0) throw new Error('not an answer to the update');
          logEvent(this.o.log, 'DNS_UPDATE_FORWARDED', { zone, client: from, primary: `${p.address}#${p.port}`, rcode: answer[3]! & 0x0f });
          return answer;
        } catch (error) {
          failures.push(`${p.address}#${p.port}: ${(error as Error).message}`);
        }
      }
    } finally {
      this.forwarding--;
    }
    this.o.forwardLog.event({ zone, client: from, reason: failures.join('; ') || 'no primaries' });
    return undefined;
  }

  refused(verdict: UpdateVerdict, tsigKey: string | undefined, client: ClientAddress): void {
    this.o.refusedLog.event({
      ...(verdict.zone ? { zone: verdict.zone } : {}), client: clientText(client), ...(tsigKey ? { key: tsigKey } : {}), rcode: verdict.rcode, reason: verdict.reason,
    });
  }
}

function clientText(client: ClientAddress): string {
  return typeof client === 'number' ? ipv4ToString(client) : client;
}
