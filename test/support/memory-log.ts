import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/runtime/log.js';

/** A real pino logger writing into memory, so tests can read the lines and codes. */
export function memoryLogger(level: 'debug' | 'info' = 'debug'): { log: Logger; lines: () => Record<string, unknown>[]; codes: () => string[] } {
  const chunks: string[] = [];
  const destination = new Writable({ write(chunk, _enc, done) { chunks.push(String(chunk)); done(); } });
  const log = createLogger({ level, destination });
  const lines = () => chunks.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  return { log, lines, codes: () => lines().map((l) => String(l.code)) };
}
