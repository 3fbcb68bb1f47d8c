// Parses every module's imports (static, dynamic, re-exports) with the TypeScript
// parser and reports each import that breaks the layer rules.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';
import { APART, IMPURE_GLOBALS, IMPURE_MODULES, LAYERS, PURE_LAYERS } from './layer-rules.js';

export interface LayerViolation {
  readonly file: string;
  readonly line: number;
  readonly target: string;
  readonly reason: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return /\.(ts|tsx|mts)$/.test(name) && !name.endsWith('.d.ts') ? [full] : [];
  });
}

function layerOf(srcDir: string, file: string): string | undefined {
  const rel = relative(srcDir, file);
  if (rel.startsWith('..')) return undefined;
  const top = rel.split(sep)[0];
  return top !== undefined && rel.includes(sep) ? top : undefined;
}

function bareModule(specifier: string): string {
  const name = specifier.replace(/^node:/, '');
  const parts = name.split('/');
  return name.startsWith('@') ? parts.slice(0, 2).join('/') : (['fs', 'timers'].includes(parts[0] ?? '') ? name : parts[0] ?? name);
}

function importsOf(file: string, text: string): { specifier: string; line: number }[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: { specifier: string; line: number }[] = [];
  const visit = (node: ts.Node): void => {
    let spec: ts.Expression | undefined;
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier) spec = node.moduleSpecifier;
    else if (ts.isCallExpression(node) && (node.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(node.expression) && node.expression.text === 'require'))) spec = node.arguments[0];
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) spec = node.argument.literal;
    if (spec && ts.isStringLiteralLike(spec)) {
      found.push({ specifier: spec.text, line: source.getLineAndCharacterOfPosition(node.getStart()).line + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function impureGlobalsOf(file: string, text: string): { name: string; line: number }[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: { name: string; line: number }[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node) && IMPURE_GLOBALS.has(node.text) && !ts.isPropertyAccessExpression(node.parent)) {
      found.push({ name: node.text, line: source.getLineAndCharacterOfPosition(node.getStart()).line + 1 });
    }
    if (ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.expression) && ['globalThis', 'process'].includes(node.expression.text)
      && (IMPURE_GLOBALS.has(node.name.text) || node.expression.text === 'process')) {
      found.push({ name: `${node.expression.text}.${node.name.text}`, line: source.getLineAndCharacterOfPosition(node.getStart()).line + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** Checks every module under srcDir; returns the violations (empty when the tree obeys the rules). */
export function checkLayers(srcDir: string): LayerViolation[] {
  const root = resolve(srcDir);
  const violations: LayerViolation[] = [];
  for (const file of sourceFiles(root)) {
    const from = layerOf(root, file);
    const rel = relative(root, file);
    if (from === undefined || LAYERS[from] === undefined) {
      violations.push({ file: rel, line: 1, target: '', reason: `module outside every layer (put it under one of: ${Object.keys(LAYERS).join(', ')})` });
      continue;
    }
    const text = readFileSync(file, 'utf8');
    for (const { specifier, line } of importsOf(file, text)) {
      if (specifier.startsWith('.')) {
        const target = resolve(dirname(file), specifier);
        const to = layerOf(root, target);
        if (to === undefined || LAYERS[to] === undefined) {
          violations.push({ file: rel, line, target: specifier, reason: 'imports a module outside src/ layers' });
        } else if (LAYERS[to]! > LAYERS[from]!) {
          violations.push({ file: rel, line, target: specifier, reason: `upward import: ${from} (layer ${LAYERS[from]}) must not import ${to} (layer ${LAYERS[to]})` });
        } else if (APART.some(([a, b]) => (from === a && to === b) || (from === b && to === a))) {
          violations.push({ file: rel, line, target: specifier, reason: `${from} and ${to} must stay independent` });
        }
      } else if (PURE_LAYERS.has(from) && IMPURE_MODULES.has(bareModule(specifier))) {
        violations.push({ file: rel, line, target: specifier, reason: `${from} is a pure layer: no sockets, timers, files, processes or databases (inject them)` });
      }
    }
    if (PURE_LAYERS.has(from)) {
      for (const { name, line } of impureGlobalsOf(file, text)) {
        violations.push({ file: rel, line, target: name, reason: `${from} is a pure layer: ${name} uses the real clock or the process; inject a Clock` });
      }
    }
  }
  return violations;
}
