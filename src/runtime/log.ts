// JSON logs on stdout (pino). Every line that reports an event carries a registered
// code, so operators can alert on codes rather than on wording.
import { pino, type Logger, type LevelWithSilent } from 'pino';
import { codes, type Code } from '../core/codes.js';

export type { Logger };

export function createLogger(opts: { level: LevelWithSilent; base?: Record<string, unknown>; destination?: NodeJS.WritableStream }): Logger {
  return pino(
    {
      level: opts.level,
      base: opts.base ?? {},
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    // Synchronous writes: the last lines before a crash or exit must not be lost.
    opts.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}

/** Logs one registered event at the level the registry gives it. */
export function logEvent(log: Logger, code: Code, fields: Record<string, unknown> = {}, message?: string): void {
  const info = codes[code];
  log[info.level]({ code, ...fields }, message ?? info.summary);
}
