// The query path of the authoritative server (docs/dns.md, "Answering"): an ordered
// chain of checks, each of which may end the query with one of a fixed set of
// outcomes, then the lookup in the zone. Pure: a decoded query in, a response
// message and the byte limit it must fit out (the service encodes and truncates).
import { CLASSIC_UDP_BYTES, EdnsOption, Opcode, Rcode, RRClass, RRType, type DnsMessage, type Edns, type EdnsOptionValue } from '../../wire/dns/types.js';
import { expireOption, nsidOption } from '../../wire/dns/index.js';
import { lookup, type LookupOutcome } from './lookup.js';
import type { ZoneSet } from './zone-set.js';

/** Every way a query ends, for metrics (outpost_dns_queries_total{outcome}). */
export type QueryOutcome = LookupOutcome | 'refused' | 'formerr' | 'notimp' | 'badvers' | 'expired' | 'notauth';

export interface AnswerContext {
  readonly zones: ZoneSet;
  readonly transport: 'udp' | 'tcp';
  /** Largest UDP response we send to EDNS clients (dns.udpSize). */
  readonly udpSize: number;
  /** NSID (RFC 5001) returned to clients that ask, if configured. */
  readonly nsid?: Buffer;
  /**
   * The name of the TSIG key (dns.keys[].name, as configured) the query was signed with
   * and verified by (RFC 8945); absent for an unsigned query. The responder signs the
   * answer with it; access rules (transfers, updates) check it.
   */
  readonly tsigKey?: string;
}

export interface Answer {
  readonly outcome: QueryOutcome;
  readonly response: DnsMessage;
  /** Bytes the encoded response may take (UDP: the client's and our limit; TCP: 65535). */
  readonly maxBytes: number;
}

const TCP_MAX_BYTES = 65535;

/**
 * Answers a QUERY. Returns undefined for what must not be answered at all (a
 * response, QR set). NOTIFY, UPDATE and zone transfers have their own paths;
 * here they are refused or not implemented.
 */
export function answerQuery(query: DnsMessage, ctx: AnswerContext): Answer | undefined {
  if (query.flags.qr) return undefined;
  const reply = (outcome: QueryOutcome, rcode: number, sections: Sections = {}, aa = false, options: EdnsOptionValue[] = []): Answer =>
    replyTo(query, ctx, outcome, rcode, sections, aa, options);

  if (query.flags.opcode !== Opcode.QUERY) return reply('notimp', Rcode.NOTIMP);
  // RFC 6891 §6.1.3: a version we do not speak gets BADVERS, in our version, before anything else.
  if (query.edns && query.edns.version > 0) return reply('badvers', Rcode.BADVERS);
  if (query.questions.length !== 1) return reply('formerr', Rcode.FORMERR);
  const question = query.questions[0]!;
  if (question.type === RRType.AXFR || question.type === RRType.IXFR) {
    // Transfers run over TCP on their own path; over UDP an AXFR is a format error (as BIND answers).
    if (ctx.transport === 'udp' && question.type === RRType.AXFR) return reply('formerr', Rcode.FORMERR);
    return reply('refused', Rcode.REFUSED);
  }
  if (question.type === RRType.OPT || question.type === RRType.TSIG || question.type === RRType.TKEY) return reply('formerr', Rcode.FORMERR);
  if (question.class !== RRClass.IN && question.class !== RRClass.ANY) return reply('refused', Rcode.REFUSED);
  const served = ctx.zones.find(question.name);
  if (!served) return reply('refused', Rcode.REFUSED);
  if (served.expired()) return reply('expired', Rcode.SERVFAIL);

  const found = lookup(served.zone, question.name, question.type, { anyInFull: ctx.transport === 'tcp' });
  const options: EdnsOptionValue[] = [];
  if (query.edns) {
    for (const o of query.edns.options) {
      if (o.code === EdnsOption.NSID && ctx.nsid) options.push(nsidOption(ctx.nsid));
      if (o.code === EdnsOption.EXPIRE) options.push(expireOption(Math.min(0xffffffff, Math.max(0, Math.floor(served.expiresIn())))));
    }
  }
  return reply(found.outcome, found.rcode, found, found.aa, options);
}

type Sections = Partial<Pick<DnsMessage, 'answers' | 'authorities' | 'additionals'>>;

/**
 * An answer to `query` with `rcode` and the given sections: id, opcode, RD and CD
 * echoed, the question, and an OPT record when the query had one. Also the refusal
 * of a query whose TSIG failed (NOTAUTH, RFC 8945 §5.2), the TSIG appended by the caller.
 */
export function replyTo(
  query: DnsMessage, ctx: Pick<AnswerContext, 'transport' | 'udpSize'>, outcome: QueryOutcome, rcode: number,
  sections: Sections = {}, aa = false, options: EdnsOptionValue[] = [],
): Answer {
  return {
    outcome,
    maxBytes: ctx.transport === 'tcp' ? TCP_MAX_BYTES : udpLimit(query.edns, ctx.udpSize),
    response: {
      id: query.id,
      flags: { qr: true, opcode: query.flags.opcode, aa, tc: false, rd: query.flags.rd, ra: false, z: false, ad: false, cd: query.flags.cd },
      rcode,
      questions: query.questions.slice(0, 1),
      answers: sections.answers ?? [],
      authorities: sections.authorities ?? [],
      additionals: sections.additionals ?? [],
      ...(query.edns ? { edns: responseEdns(ctx.udpSize, query.edns, options) } : {}),
    },
  };
}

/** RFC 6891 §6.2.5: the client's advertised size (at least 512), capped by ours; 512 without EDNS. */
function udpLimit(edns: Edns | undefined, ours: number): number {
  if (!edns) return CLASSIC_UDP_BYTES;
  return Math.min(Math.max(edns.udpSize, CLASSIC_UDP_BYTES), ours);
}

function responseEdns(udpSize: number, query: Edns, options: EdnsOptionValue[]): Edns {
  return { udpSize, version: 0, do: query.do, z: 0, options };
}
