// One place that knows how to undo everything a bench run created (processes,
// namespaces, temp dirs), so Ctrl-C, SIGTERM or a crash never leave them behind.

type Undo = () => Promise<void> | void;

const stack: { label: string; undo: Undo }[] = [];
let signalsInstalled = false;
let unwinding: Promise<void> | undefined;

/** Registers an undo step; returns a function that runs it now and forgets it. */
export function onCleanup(label: string, undo: Undo): () => Promise<void> {
  const entry = { label, undo };
  stack.push(entry);
  return async () => {
    const i = stack.indexOf(entry);
    if (i < 0) return;
    stack.splice(i, 1);
    await undo();
  };
}

/** Runs every pending undo step, newest first; errors are reported, never thrown. */
export function cleanupAll(): Promise<void> {
  unwinding ??= (async () => {
    while (stack.length > 0) {
      const entry = stack.pop()!;
      try {
        await entry.undo();
      } catch (err) {
        process.stderr.write(`bench: cleanup of ${entry.label} failed: ${(err as Error).message}\n`);
      }
    }
  })().finally(() => { unwinding = undefined; });
  return unwinding;
}

/** Makes SIGINT/SIGTERM unwind before exiting (130/143, as a shell would report). */
export function installSignalCleanup(): void {
  if (signalsInstalled) return;
  signalsInstalled = true;
  const handler = (signal: NodeJS.Signals, code: number) => {
    process.stderr.write(`\nbench: ${signal}, cleaning up\n`);
    // A second signal while unwinding means "now": exit at once.
    process.once(signal, () => process.exit(code));
    // Bounded: a hung undo step must not keep the terminal hostage.
    const timer = setTimeout(() => process.exit(code), 15_000);
    void cleanupAll().finally(() => { clearTimeout(timer); process.exit(code); });
  };
  process.once('SIGINT', () => handler('SIGINT', 130));
  process.once('SIGTERM', () => handler('SIGTERM', 143));
}
