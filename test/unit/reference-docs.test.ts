// The README's configuration and CLI references grow with the code: every config key
// of the schema and every command of the CLI must be documented there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { siteConfigJsonSchema } from '../../src/config/site-config.js';
import { buildProgram } from '../../src/cli/program.js';
import { repoRoot } from '../support/paths.js';

const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');

interface SchemaNode { properties?: Record<string, SchemaNode>; items?: SchemaNode }

function keyPaths(node: SchemaNode, prefix: string): string[] {
  return Object.entries(node.properties ?? {}).flatMap(([key, child]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    return [path, ...keyPaths(child.items ?? child, child.items ? `${path}[]` : path)];
  });
}

function commands(cmd: Command, prefix: string): string[] {
  return cmd.commands.flatMap((c) => {
    const name = `${prefix} ${c.name()}`;
    return c.commands.length > 0 ? commands(c, name) : [name];
  });
}

test('the README configuration reference names every key of the site config', () => {
  const missing = keyPaths(siteConfigJsonSchema() as SchemaNode, '').filter((p) => !readme.includes(`\`${p}\``));
  assert.deepEqual(missing, []);
});

test('the README CLI reference names every command', () => {
  const missing = commands(buildProgram(), 'outpost').filter((c) => !readme.includes(`\`${c}`));
  assert.deepEqual(missing, []);
});
