import { readFileSync } from 'node:fs';

// dist/src/runtime/version.js → the package root is three levels up.
const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };

export const OUTPOST_VERSION: string = pkg.version;
