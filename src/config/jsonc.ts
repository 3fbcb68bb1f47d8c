// Config files are JSON with comments, as Kea's are: administrators annotate them.
import { createScanner, parseTree, printParseErrorCode, stripComments, SyntaxKind, type Node, type ParseError } from 'jsonc-parser';
import type { ConfigProblem } from './problem.js';
import { jsonPath } from './problem.js';

function lineAndColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return `line ${line}, column ${column}`;
}

const syntaxReason: Record<string, string> = {
  InvalidSymbol: 'unexpected character',
  InvalidNumberFormat: 'malformed number',
  PropertyNameExpected: 'expected a quoted key',
  ValueExpected: 'expected a value',
  ColonExpected: "expected ':' after the key",
  CommaExpected: "expected ',' between entries",
  CloseBraceExpected: "expected '}'",
  CloseBracketExpected: "expected ']'",
  EndOfFileExpected: 'unexpected text after the end of the document',
  InvalidCommentToken: 'malformed comment',
  UnexpectedEndOfComment: 'comment not closed',
  UnexpectedEndOfString: 'string not closed',
  UnexpectedEndOfNumber: 'number not finished',
  InvalidUnicode: 'malformed \\u escape',
  InvalidEscapeCharacter: 'unknown escape in string',
  InvalidCharacter: 'control character inside a string',
};

function nodeValue(node: Node): unknown {
  switch (node.type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const prop of node.children ?? []) {
        const [key, value] = prop.children ?? [];
        if (key && value) out[key.value as string] = nodeValue(value);
      }
      return out;
    }
    case 'array':
      return (node.children ?? []).map(nodeValue);
    default:
      return node.value;
  }
}

function findDuplicateKeys(text: string, node: Node, path: (string | number)[], problems: ConfigProblem[]): void {
  if (node.type === 'object') {
    const seen = new Set<string>();
    for (const prop of node.children ?? []) {
      const [key, value] = prop.children ?? [];
      if (!key || !value) continue;
      const name = key.value as string;
      if (seen.has(name)) {
        problems.push({ code: 'CONFIG_SYNTAX', path: jsonPath([...path, name]), reason: `duplicate key (${lineAndColumn(text, key.offset)})` });
      }
      seen.add(name);
      findDuplicateKeys(text, value, [...path, name], problems);
    }
  } else if (node.type === 'array') {
    (node.children ?? []).forEach((child, i) => findDuplicateKeys(text, child, [...path, i], problems));
  }
}

/** Configs nest a handful of levels; the parser recurses, so refuse absurd depth before it. */
export const MAX_NESTING = 64;

function tooDeep(text: string): number | undefined {
  const scanner = createScanner(text, true);
  let depth = 0;
  for (let kind = scanner.scan(); kind !== SyntaxKind.EOF; kind = scanner.scan()) {
    if (kind === SyntaxKind.OpenBraceToken || kind === SyntaxKind.OpenBracketToken) {
      if (++depth > MAX_NESTING) return scanner.getTokenOffset();
    } else if (kind === SyntaxKind.CloseBraceToken || kind === SyntaxKind.CloseBracketToken) depth--;
  }
  return undefined;
}

/** Parses JSON with comments; returns the value or every syntax problem with its position. */
export function parseJsonc(text: string): { value: unknown; problems: ConfigProblem[] } {
  if (stripComments(text).trim() === '') {
    return { value: undefined, problems: [{ code: 'CONFIG_SYNTAX', path: '$', reason: 'the file is empty' }] };
  }
  const deep = tooDeep(text);
  if (deep !== undefined) {
    return { value: undefined, problems: [{ code: 'CONFIG_SYNTAX', path: '$', reason: `nested more than ${MAX_NESTING} levels deep at ${lineAndColumn(text, deep)}` }] };
  }
  const errors: ParseError[] = [];
  const tree = parseTree(text, errors, { allowTrailingComma: false, disallowComments: false, allowEmptyContent: false });
  // The parser often reports one mistake twice at the same offset; keep the first.
  const firstPerOffset = errors.filter((e, i) => errors.findIndex((o) => o.offset === e.offset) === i);
  const problems: ConfigProblem[] = firstPerOffset.map((e) => {
    const name = printParseErrorCode(e.error);
    return { code: 'CONFIG_SYNTAX', path: '$', reason: `${syntaxReason[name] ?? name} at ${lineAndColumn(text, e.offset)}` };
  });
  if (!tree) return { value: undefined, problems };
  findDuplicateKeys(text, tree, [], problems);
  return { value: nodeValue(tree), problems };
}
