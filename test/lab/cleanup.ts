// Teardown of live labs when the process ends without Lab.destroy(): normal exit,
// uncaught exception, process.exit(), Ctrl-C (SIGINT), SIGTERM, SIGHUP. Handlers run
// synchronously because no promise settles once the process is on its way out.

export interface SyncDestroyable {
  destroySync(): void;
}

const live = new Set<SyncDestroyable>();
const SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

function onExit(): void {
  for (const lab of [...live]) lab.destroySync();
}

function onSignal(signal: NodeJS.Signals): void {
  onExit();
  uninstall();
  // Die of the same signal, as if we had never caught it, so the parent sees the real cause.
  process.kill(process.pid, signal);
}

function install(): void {
  process.on('exit', onExit);
  for (const s of SIGNALS) process.on(s, onSignal);
}

function uninstall(): void {
  process.off('exit', onExit);
  for (const s of SIGNALS) process.off(s, onSignal);
}

export function registerLab(lab: SyncDestroyable): void {
  if (live.size === 0) install();
  live.add(lab);
}

/** Once no lab is live, restore default signal behaviour. */
export function unregisterLab(lab: SyncDestroyable): void {
  if (live.delete(lab) && live.size === 0) uninstall();
}
