// From query bytes to answer bytes (docs/dns.md, "Answering"). A plain query (see
// query-peek.ts) whose answer was made before for this zone set is answered by
// copying that answer and patching id, flags and the client's spelling of the name;
// anything else is decoded, answered by answerQuery, encoded within its size limit,
// and — when it was a plain query — kept for the next one. The cache belongs to one
// zone set: swapping the set (a zone changed) starts an empty one. AXFR and IXFR
// requests (but an AXFR over UDP, a FORMERR) take transfer-out.ts and are never cached:
// their answer depends on who asks; over TCP it is an iterator of messages.
import { isWireDecodeError, type WireDecodeReason } from '../../wire/errors.js';
import { decodeMessage, encodeResponse } from '../../wire/dns/index.js';
import { patchAnswer, peekQuery, type PlainQuery } from '../../wire/dns/query-peek.js';
import { CLASSIC_UDP_BYTES, DNS_HEADER_BYTES, Rcode, type DnsMessage } from '../../wire/dns/types.js';
import { answerQuery, type QueryOutcome } from './answer.js';
import type { ClientAddress } from './acl.js';
import { answerTransfer, isTransferQuery, type TransferAnswer } from './transfer-out.js';
import type { ZoneSet } from './zone-set.js';

export interface ResponderOptions {
  readonly udpSize: number;
  readonly nsid?: Buffer;
  /** Answers kept per zone set at most; past it the cache starts over. */
  readonly cacheEntries?: number;
}

export class DnsCounters {
  readonly outcomes = new Map<string, number>();
  /** Transfer requests by "type|result" (axfr|full, ixfr|incremental, ixfr|refused, …). */
  readonly transfers = new Map<string, number>();
  readonly decodeErrors = new Map<string, number>();
  cacheHits = 0;
  truncated = 0;

  count(map: Map<string, number>, key: string): void {
    map.set(key, (map.get(key) ?? 0) + 1);
  }
}

export type Transport = 'udp' | 'tcp';

/** What answers one message: nothing, one message, or (a transfer over TCP) messages encoded as they are pulled. */
export type DnsReply = Buffer | Iterator<Buffer> | undefined;

const AXFR = 252;
const IXFR = 251;

/** Outcomes that depend on more than the zone set (a secondary's expiry), never cached. */
const UNCACHEABLE: ReadonlySet<QueryOutcome> = new Set(['expired']);

const DEFAULT_CACHE_ENTRIES = 200_000;

export class DnsResponder {
  readonly counters = new DnsCounters();
  private zones: ZoneSet;
  private cache = new Map<string, Buffer>();
  private readonly cacheEntries: number;
  /** Told of each undecodable message (for a rate-limited log line). */
  onDecodeError?: (reason: WireDecodeReason, detail: string) => void;
  /** Told of each transfer request as it is answered (a log line). */
  onTransfer?: (answer: TransferAnswer, client: ClientAddress) => void;

  constructor(zones: ZoneSet, private readonly opts: ResponderOptions) {
    this.zones = zones;
    this.cacheEntries = opts.cacheEntries ?? DEFAULT_CACHE_ENTRIES;
  }

  get zoneSet(): ZoneSet {
    return this.zones;
  }

  /** Serves `zones` from now on; answers made from the old set are forgotten. */
  swap(zones: ZoneSet): void {
    this.zones = zones;
    this.cache = new Map();
  }

  /**
   * The answer to `query` received over `transport` from `client`, or undefined when
   * nothing must be sent (a response, or bytes too broken to answer). `out` (65535
   * bytes), when given, receives cached answers without allocating; the returned Buffer
   * is then a view of it. Over UDP the answer is always one Buffer.
   */
  respond(query: Buffer, transport: 'udp', out?: Buffer, client?: ClientAddress): Buffer | undefined;
  respond(query: Buffer, transport: Transport, out?: Buffer, client?: ClientAddress): DnsReply;
  respond(query: Buffer, transport: Transport, out?: Buffer, client: ClientAddress = ''): DnsReply {
    const plain = peekQuery(query);
    if (plain && plain.qtype !== AXFR && plain.qtype !== IXFR) {
      const template = this.cache.get(transport === 'udp' ? plain.key : `${plain.key}|tcp`);
      if (template) {
        this.counters.cacheHits++;
        const into = out ?? Buffer.allocUnsafe(template.length);
        return into.subarray(0, patchAnswer(template, query, plain, into));
      }
    }
    return this.answer(query, transport, plain, client);
  }

  private answer(data: Buffer, transport: Transport, plain: PlainQuery | undefined, client: ClientAddress): DnsReply {
    let message;
    try {
      message = decodeMessage(data);
    } catch (error) {
      if (!isWireDecodeError(error)) throw error;
      this.counters.count(this.counters.decodeErrors, error.reason);
      this.onDecodeError?.(error.reason, error.message);
      return formErr(data);
    }
    if (isTransferQuery(message) && !(transport === 'udp' && message.questions[0]!.type === AXFR)) return this.transfer(message, transport, client);
    const answer = answerQuery(message, { zones: this.zones, transport, udpSize: this.opts.udpSize, ...(this.opts.nsid ? { nsid: this.opts.nsid } : {}) });
    if (!answer) return undefined;
    this.counters.count(this.counters.outcomes, answer.outcome);
    const wire = encodeResponse(answer.response, answer.maxBytes);
    if ((wire.readUInt16BE(2) & 0x0200) !== 0) this.counters.truncated++;
    if (plain && !UNCACHEABLE.has(answer.outcome)) {
      if (this.cache.size >= this.cacheEntries) this.cache = new Map();
      // Over TCP the limit is 65535 and ANY is answered whole: answers kept apart.
      this.cache.set(transport === 'udp' ? plain.key : `${plain.key}|tcp`, wire);
    }
    return wire;
  }

  private transfer(message: DnsMessage, transport: Transport, client: ClientAddress): DnsReply {
    const answer = answerTransfer(message, {
      zones: this.zones,
      transport,
      client,
      maxBytes: transport === 'udp' ? udpLimit(message, this.opts.udpSize) : 65535,
      udpSize: this.opts.udpSize,
      // TSIG plugs in here: the verified key name (tsigKey) and a TransferSigner for the response.
    });
    this.counters.count(this.counters.transfers, `${answer.type}|${answer.result}`);
    this.onTransfer?.(answer, client);
    const messages = answer.messages[Symbol.iterator]();
    if (transport === 'tcp') return messages;
    const first = messages.next();
    return first.done ? undefined : first.value;
  }
}

/** RFC 6891 §6.2.5: the client's advertised size (at least 512), capped by ours; 512 without EDNS. */
function udpLimit(query: DnsMessage, ours: number): number {
  return query.edns ? Math.min(Math.max(query.edns.udpSize, CLASSIC_UDP_BYTES), ours) : CLASSIC_UDP_BYTES;
}

/**
 * FORMERR for a query whose header could be read (RFC 1035 §4.1.1): the header alone,
 * id and opcode echoed, no sections. Nothing for a response or fewer than 12 bytes.
 */
function formErr(data: Buffer): Buffer | undefined {
  if (data.length < DNS_HEADER_BYTES || (data[2]! & 0x80) !== 0) return undefined;
  const out = Buffer.alloc(DNS_HEADER_BYTES);
  data.copy(out, 0, 0, 2);
  out[2] = 0x80 | (data[2]! & 0x78) | (data[2]! & 0x01); // QR, opcode, RD
  out[3] = Rcode.FORMERR;
  return out;
}
