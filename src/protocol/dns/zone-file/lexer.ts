// The tokens of an RFC 1035 §5.1 master file, one logical line at a time: ";" starts
// a comment, "(" … ")" lets a line go on over line breaks, "…" quotes a string (with
// "\" escapes kept as written), "\X" and "\DDD" stay in a token as written (the name
// and character-string readers decode them). A line that starts with a space or tab
// has a blank owner. CR is blank space, so CRLF files read like LF files, and the last
// line needs no line break.
import { ZoneTextError } from '../zone-problem.js';

export interface ZoneToken {
  /** As written, escapes kept; for a quoted string, what is between the quotes. */
  readonly text: string;
  readonly quoted: boolean;
  readonly line: number;
  readonly column: number;
}

export interface LogicalLine {
  readonly tokens: readonly ZoneToken[];
  /** Line of the first token. */
  readonly line: number;
  /** True when the line starts with blank space: the owner is the previous record's. */
  readonly blankOwner: boolean;
}

const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;
const SEMICOLON = 0x3b;
const OPEN = 0x28;
const CLOSE = 0x29;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

function isBlank(c: number): boolean {
  return c === SPACE || c === TAB || c === CR;
}

/**
 * Reads logical lines from the text. next() throws ZoneTextError('syntax') for a line
 * it cannot split; the lexer has then moved to the next physical line, so the caller
 * can record the error and go on.
 */
export class ZoneLexer {
  private pos = 0;
  private line = 1;
  private lineStart = 0;

  constructor(private readonly text: string) {}

  /** The next line that has tokens, or null at the end of the text. */
  next(): LogicalLine | null {
    const text = this.text;
    const len = text.length;
    for (;;) {
      if (this.pos >= len) return null;
      const blankOwner = isBlank(text.charCodeAt(this.pos));
      const tokens: ZoneToken[] = [];
      let depth = 0;
      let openLine = 0;
      let openColumn = 0;
      while (this.pos < len) {
        const c = text.charCodeAt(this.pos);
        if (c === LF) {
          this.newline();
          if (depth === 0) break;
        } else if (isBlank(c)) {
          this.pos++;
        } else if (c === SEMICOLON) {
          const end = text.indexOf('\n', this.pos);
          this.pos = end < 0 ? len : end;
        } else if (c === OPEN) {
          if (depth === 0) {
            openLine = this.line;
            openColumn = this.pos - this.lineStart + 1;
          }
          depth++;
          this.pos++;
        } else if (c === CLOSE) {
          if (depth === 0) this.fail('")" without an opening "("');
          depth--;
          this.pos++;
        } else if (c === QUOTE) {
          tokens.push(this.quoted());
        } else {
          tokens.push(this.unquoted());
        }
      }
      if (depth > 0) this.fail(`"(" opened on line ${openLine} is never closed`, openColumn, openLine);
      if (tokens.length > 0) return { tokens, line: tokens[0]!.line, blankOwner };
    }
  }

  private newline(): void {
    this.pos++;
    this.line++;
    this.lineStart = this.pos;
  }

  private unquoted(): ZoneToken {
    const text = this.text;
    const start = this.pos;
    const column = start - this.lineStart + 1;
    let p = start;
    for (; p < text.length; p++) {
      const c = text.charCodeAt(p);
      if (c === BACKSLASH) {
        const n = text.charCodeAt(p + 1);
        if (p + 1 >= text.length || n === LF || n === CR) {
          this.pos = p;
          this.fail('backslash at the end of a line');
        }
        p++;
      } else if (c === LF || isBlank(c) || c === SEMICOLON || c === OPEN || c === CLOSE || c === QUOTE) {
        break;
      }
    }
    this.pos = p;
    return { text: text.slice(start, p), quoted: false, line: this.line, column };
  }

  private quoted(): ZoneToken {
    const text = this.text;
    const column = this.pos - this.lineStart + 1;
    const start = this.pos + 1;
    for (let p = start; p < text.length; p++) {
      const c = text.charCodeAt(p);
      if (c === BACKSLASH) {
        const n = text.charCodeAt(p + 1);
        if (p + 1 < text.length && n !== LF) {
          p++;
          continue;
        }
      }
      if (c === QUOTE) {
        this.pos = p + 1;
        return { text: text.slice(start, p), quoted: true, line: this.line, column };
      }
      if (c === LF || c === BACKSLASH) break;
    }
    this.fail('quoted string not closed on its line', column);
  }

  /** Throws a syntax error at the current position after moving past the current physical line. */
  private fail(reason: string, column = this.pos - this.lineStart + 1, line = this.line): never {
    const end = this.text.indexOf('\n', this.pos);
    if (end < 0) {
      this.pos = this.text.length;
    } else {
      this.pos = end;
      this.newline();
    }
    throw new ZoneTextError('syntax', reason, line, column);
  }
}
