// TSIG (RFC 8945) for a secondary's transfers: the XfrSecurity of primary.ts for
// primaries with a `key` (docs/dns.md, "Secondary zones", TSIG). Requests to such a
// primary (SOA query, IXFR, AXFR) are signed with its key; every answer must verify
// against the request's MAC — a single answer, or each message of a transfer stream
// (TsigStreamVerifier: first and last signed, at most 99 unsigned in a row, §5.3.1);
// an unsigned, badly signed or TSIG-refused answer throws TsigAnswerError, which fails
// the attempt with that primary. A NOTIFY for such a primary is accepted only when it
// verifies with that key, and its answer is signed. Primaries without a key: UNSIGNED.
// Pure: the keys and the clock (seconds) are injected.
import { decodeMessage } from '../../../wire/dns/message.js';
import { nameKey } from '../../../wire/dns/name.js';
import { signMessage, TsigKeyring, TsigStreamVerifier, verifyMessage, type FindTsigKey, type TsigFailure, type TsigKey } from '../../../wire/dns/tsig.js';
import { RRType, type TSIGData } from '../../../wire/dns/types.js';
import { primaryLabel, UNSIGNED, type PrimaryServer, type ResponseVerifier, type XfrSecurity } from './primary.js';
import { rcodeName } from './requests.js';

/** What failed a TSIG check, for the log (never a secret). */
export interface XfrTsigFailure {
  /** 'answer': an answer from the primary (SOA, IXFR, AXFR); 'notify': a NOTIFY from it. */
  readonly what: 'answer' | 'notify';
  /** The zone asked about (the request's or the NOTIFY's question). */
  readonly zone?: string;
  readonly primary: string;
  readonly key: string;
  /** BADKEY, BADSIG, BADTIME, BADTRUNC, FORMERR, or UNSIGNED (no TSIG where one is required). */
  readonly error: string;
  readonly reason: string;
}

/** An answer from a primary with a key that is not signed, or whose TSIG does not verify: the attempt with it fails. */
export class TsigAnswerError extends Error {
  constructor(readonly failure: XfrTsigFailure) {
    super(`TSIG (key ${failure.key}): ${failure.error === 'UNSIGNED' ? '' : `${failure.error}: `}${failure.reason}`);
    this.name = 'TsigAnswerError';
  }
}

export interface TsigXfrSecurityOptions {
  /** dns.keys as loaded (src/site/dns-keys.ts loadTsigKeys); a function: read at each use (the service loads them at start). */
  readonly keys: readonly TsigKey[] | TsigKeyring | (() => readonly TsigKey[]);
  /** Seconds since the epoch: time signed, and the check of the peer's. */
  readonly now: () => number;
  /** Default TSIG_FUDGE (300 s). */
  readonly fudge?: number;
  /** Every failed check, answers and NOTIFYs (the service logs it rate-limited). */
  readonly onFailure?: (f: XfrTsigFailure) => void;
}

const NO_CHECK = UNSIGNED.responseVerifier({ address: '', port: 0 }, Buffer.alloc(0));

/** The MAC of a signed message's TSIG record (its last additional record), or undefined. */
export function tsigMacOf(wire: Buffer): Buffer | undefined {
  const last = decodeMessage(wire).additionals.at(-1);
  return last?.type === RRType.TSIG ? (last.data as TSIGData).mac : undefined;
}

export class TsigXfrSecurity implements XfrSecurity {
  private ringOf: { keys: readonly TsigKey[]; ring: TsigKeyring } | undefined;
  /** The MAC of each request we signed (a response's request MAC), without decoding it again. */
  private readonly macs = new WeakMap<Buffer, Buffer>();

  constructor(private readonly o: TsigXfrSecurityOptions) {}

  private get ring(): TsigKeyring {
    const k = this.o.keys;
    if (k instanceof TsigKeyring) return k;
    const keys = typeof k === 'function' ? k() : k;
    if (this.ringOf?.keys !== keys) this.ringOf = { keys, ring: new TsigKeyring(keys) };
    return this.ringOf.ring;
  }

  signRequest(primary: PrimaryServer, request: Buffer): Buffer {
    const key = this.keyOf(primary);
    if (!key) return request;
    const signed = signMessage(request, key, { now: this.o.now(), ...(this.o.fudge === undefined ? {} : { fudge: this.o.fudge }) });
    this.macs.set(signed.message, signed.mac);
    return signed.message;
  }

  responseVerifier(primary: PrimaryServer, signedRequest: Buffer): ResponseVerifier {
    const key = this.keyOf(primary);
    if (!key) return NO_CHECK;
    const requestMac = this.macs.get(signedRequest) ?? tsigMacOf(signedRequest);
    if (!requestMac) throw new Error(`TSIG (key ${key.name}): the request to ${primaryLabel(primary)} is not signed`);
    const v = new TsigStreamVerifier(onlyKey(key), { requestMac });
    let lastRcode = 0;
    return {
      message: (wire) => {
        lastRcode = wire.length >= 4 ? wire[3]! & 0x0f : 0;
        const verdict = v.verify(wire, { now: this.o.now() });
        if (verdict && !verdict.ok) throw this.failed(signedRequest, primary, key, verdict, lastRcode);
      },
      end: () => {
        const f = v.end();
        if (f) throw this.failed(signedRequest, primary, key, f, lastRcode);
      },
    };
  }

  acceptNotify(primary: PrimaryServer, message: Buffer): true | string {
    const key = this.keyOf(primary);
    if (!key) return true;
    let verdict;
    try {
      verdict = verifyMessage(message, onlyKey(key), { now: this.o.now() });
    } catch (error) {
      verdict = { ok: false, error: 'FORMERR', detail: (error as Error).message } as const;
    }
    if (verdict?.ok) return true;
    const base = { what: 'notify', ...zoneOf(message), primary: primaryLabel(primary), key: key.name } as const;
    const failure: XfrTsigFailure = verdict === undefined
      ? { ...base, error: 'UNSIGNED', reason: 'the NOTIFY is not signed' }
      : { ...base, error: verdict.error, reason: verdict.detail };
    this.o.onFailure?.(failure);
    return `the NOTIFY does not verify with key ${key.name}: ${failure.error === 'UNSIGNED' ? '' : `${failure.error}: `}${failure.reason}`;
  }

  signNotifyAnswer(primary: PrimaryServer, notify: Buffer, answer: Buffer): Buffer {
    const key = this.keyOf(primary);
    const requestMac = key ? tsigMacOf(notify) : undefined;
    if (!key || !requestMac) return answer;
    return signMessage(answer, key, { now: this.o.now(), requestMac, ...(this.o.fudge === undefined ? {} : { fudge: this.o.fudge }) }).message;
  }

  /** The primary's key; throws for a key name not in dns.keys (the config check refuses that first). */
  private keyOf(primary: PrimaryServer): TsigKey | undefined {
    if (primary.key === undefined) return undefined;
    const key = this.ring.get(primary.key);
    if (!key) throw new Error(`TSIG key ${primary.key} of primary ${primaryLabel(primary)} is not in dns.keys`);
    return key;
  }

  private failed(request: Buffer, primary: PrimaryServer, key: TsigKey, f: TsigFailure, rcode: number): TsigAnswerError {
    // The stream verifier's own failures (nothing signed where a signature is due) carry no MAC and name no error of the peer's.
    const unsigned = f.mac === undefined && /not signed|no signed message/.test(f.detail);
    const reason = f.detail === 'the first message of the stream is not signed' ? 'the answer is not signed' : f.detail;
    const failure: XfrTsigFailure = {
      what: 'answer', ...zoneOf(request), primary: primaryLabel(primary), key: key.name,
      error: unsigned ? 'UNSIGNED' : f.error,
      reason: `${reason}${rcode !== 0 ? ` (rcode ${rcodeName(rcode)})` : ''}`,
    };
    this.o.onFailure?.(failure);
    return new TsigAnswerError(failure);
  }
}

/** The question's name of a message that decoded before (the log's zone field). */
function zoneOf(wire: Buffer): { zone?: string } {
  try {
    const q = decodeMessage(wire).questions[0];
    return q ? { zone: q.name } : {};
  } catch {
    return {};
  }
}

/** findKey that knows only `key` (a primary's answers and NOTIFYs must use its own key). */
function onlyKey(key: TsigKey): FindTsigKey {
  return (name, algorithm) => (nameKey(name) === nameKey(key.name.endsWith('.') ? key.name : `${key.name}.`) && nameKey(algorithm) === `${key.algorithm}.` ? key : undefined);
}
