// A cursor over the RDATA tokens of one record: each read names the field it wants,
// so an error says which one and why ("MX preference 70000 is above 65535").
import { ZoneTextError } from '../zone-problem.js';
import { bytesFromToken } from './character-string.js';
import type { ZoneToken } from './lexer.js';
import { nameFromToken } from './names.js';
import { parseTtl } from './ttl.js';

export const MAX_RDATA = 0xffff;

const DIGITS = /^\d+$/;
const HEX = /^(?:[0-9a-fA-F]{2})*$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export class Fields {
  private i = 0;

  constructor(
    private readonly tokens: readonly ZoneToken[],
    /** The type's mnemonic, for messages. */
    readonly what: string,
    private readonly origin: string,
  ) {}

  get atEnd(): boolean {
    return this.i >= this.tokens.length;
  }

  /** The next token, which must be there. */
  token(field: string): ZoneToken {
    const t = this.tokens[this.i];
    if (t === undefined) throw new ZoneTextError('bad-rdata', `${this.what} ${field} is missing`);
    this.i++;
    return t;
  }

  /** The next token, unquoted. */
  word(field: string): ZoneToken {
    const t = this.token(field);
    if (t.quoted) this.fail(t, `${this.what} ${field} cannot be a quoted string`);
    return t;
  }

  fail(t: ZoneToken, reason: string): never {
    throw new ZoneTextError('bad-rdata', reason, t.line, t.column);
  }

  /** A decimal number in 0..max. */
  number(field: string, max: number): number {
    const t = this.word(field);
    if (!DIGITS.test(t.text)) this.fail(t, `${this.what} ${field} "${t.text}" is not a number`);
    const v = Number(t.text);
    if (v > max) this.fail(t, `${this.what} ${field} ${t.text} is above ${max}`);
    return v;
  }

  u8(field: string): number {
    return this.number(field, 0xff);
  }

  u16(field: string): number {
    return this.number(field, 0xffff);
  }

  u32(field: string): number {
    return this.number(field, 0xffffffff);
  }

  /** Seconds as a number or BIND units (SOA timers). */
  seconds(field: string): number {
    const t = this.word(field);
    const v = parseTtl(t.text);
    if (typeof v === 'string') this.fail(t, `${this.what} ${field}: ${v}`);
    return v;
  }

  name(field: string): string {
    const t = this.token(field);
    if (t.quoted) this.fail(t, `${this.what} ${field} cannot be a quoted string`);
    return nameFromToken(t, this.origin);
  }

  /** One <character-string>, at most 255 bytes. */
  string(field: string): Buffer {
    return bytesFromToken(this.token(field), `${this.what} ${field}`);
  }

  /** One or more <character-string>s, every remaining token (TXT, SPF), together within RDATA's 65535 bytes. */
  strings(field: string): Buffer[] {
    const strings: Buffer[] = [];
    let length = 0;
    do {
      const s = this.string(field);
      length += s.length + 1;
      if (length > MAX_RDATA) throw new ZoneTextError('bad-rdata', `${this.what} data is longer than ${MAX_RDATA} bytes`);
      strings.push(s);
    } while (!this.atEnd);
    return strings;
  }

  /** Every remaining token joined as hex (at least one token unless `optional`). */
  hex(field: string, optional = false): Buffer {
    const text = this.rest(field, optional);
    if (!HEX.test(text)) this.fail(this.tokens[this.i - 1]!, `${this.what} ${field} is not an even number of hex digits`);
    return Buffer.from(text, 'hex');
  }

  /** Every remaining token joined as base64. */
  base64(field: string): Buffer {
    const text = this.rest(field, false);
    if (!BASE64.test(text)) this.fail(this.tokens[this.i - 1]!, `${this.what} ${field} is not base64`);
    return Buffer.from(text, 'base64');
  }

  private rest(field: string, optional: boolean): string {
    if (this.atEnd && !optional) throw new ZoneTextError('bad-rdata', `${this.what} ${field} is missing`);
    let s = '';
    while (!this.atEnd) s += this.word(field).text;
    return s;
  }

  /** Refuses tokens left over. */
  end(): void {
    const t = this.tokens[this.i];
    if (t !== undefined) this.fail(t, `${this.what} has more fields than it takes: "${t.text}" left over`);
  }
}
