// Runs the enabled services of one site config: starts them in order, stops them in
// reverse, and never takes longer than the stop deadline to stop.
import type { Clock } from '../core/clock.js';
import { logEvent, type Logger } from '../runtime/log.js';
import { Lifecycle, type LifecycleState } from './lifecycle.js';
import type { ServiceState, SiteService } from './service.js';

/** SIGTERM must end the process within 5 s; leave a margin for the exit itself. */
export const DEFAULT_STOP_DEADLINE_MS = 4000;

export interface SiteDaemonDeps {
  readonly services: readonly SiteService[];
  readonly clock: Clock;
  readonly log: Logger;
  readonly stopDeadlineMs?: number;
}

export class SiteDaemon {
  readonly lifecycle: Lifecycle;
  private readonly states = new Map<string, ServiceState>();
  private stopping?: Promise<LifecycleState>;
  private failure?: string;
  private resolveDone!: (state: LifecycleState) => void;
  /** Settles with 'stopped' or 'failed' once the daemon is down. */
  readonly done: Promise<LifecycleState> = new Promise((resolve) => { this.resolveDone = resolve; });

  constructor(private readonly deps: SiteDaemonDeps) {
    this.lifecycle = new Lifecycle((t) => logEvent(deps.log, 'SITE_TRANSITION', { ...t }));
    for (const s of deps.services) {
      this.states.set(s.name, 'pending');
      s.onFailure?.((error) => this.serviceFailed(s.name, error));
    }
  }

  get state(): LifecycleState {
    return this.lifecycle.state;
  }

  serviceStates(): { name: string; state: ServiceState }[] {
    return [...this.states].map(([name, state]) => ({ name, state }));
  }

  /** Starts every service in order. Resolves true when all run; false when the daemon stopped instead. */
  async start(): Promise<boolean> {
    this.lifecycle.transition('start', 'start requested');
    logEvent(this.deps.log, 'SITE_STARTING', { services: this.deps.services.map((s) => s.name) });
    for (const service of this.deps.services) {
      if (this.lifecycle.state !== 'starting') break; // a stop or a failure arrived meanwhile
      this.states.set(service.name, 'starting');
      try {
        await service.start();
        this.states.set(service.name, 'running');
      } catch (error) {
        this.states.set(service.name, 'failed');
        const cause = `service ${service.name} failed to start: ${(error as Error).message}`;
        logEvent(this.deps.log, 'SITE_SERVICE_FAILED', { service: service.name, err: (error as Error).message, phase: 'start' });
        if (this.lifecycle.state === 'starting') {
          this.failure = cause;
          this.lifecycle.transition('startFailed', cause);
        }
        break;
      }
    }
    if (this.lifecycle.state === 'starting') {
      this.lifecycle.transition('started', 'every service started');
      logEvent(this.deps.log, 'SITE_READY', { services: this.serviceStates() });
      return true;
    }
    await this.stopServices();
    return false;
  }

  /** Stops the daemon; safe to call repeatedly and from any state. */
  stop(cause: string): Promise<LifecycleState> {
    const before = this.lifecycle.state;
    this.lifecycle.transition('stop', cause);
    if (before === 'idle') {
      this.resolveDone('stopped');
      return Promise.resolve<LifecycleState>('stopped');
    }
    // start() stops what it started once it sees the new state; a stopped daemon stays stopped.
    if (before === 'starting' || before === 'stopped' || before === 'failed') return this.done;
    return this.stopServices();
  }

  private serviceFailed(name: string, error: Error): void {
    if (this.states.get(name) === 'stopping' || this.states.get(name) === 'stopped') return;
    this.states.set(name, 'failed');
    logEvent(this.deps.log, 'SITE_SERVICE_FAILED', { service: name, err: error.message, phase: 'run' });
    const state = this.lifecycle.state;
    if (state !== 'starting' && state !== 'running' && state !== 'stopping') return;
    this.failure ??= `service ${name} failed: ${error.message}`;
    this.lifecycle.transition('serviceFailed', this.failure);
    if (state === 'running') void this.stopServices();
  }

  private stopServices(): Promise<LifecycleState> {
    this.stopping ??= this.runStop();
    return this.stopping;
  }

  private async runStop(): Promise<LifecycleState> {
    logEvent(this.deps.log, 'SITE_STOPPING', { cause: this.lifecycle.history.at(-1)?.cause });
    const stopAll = (async () => {
      for (const service of [...this.deps.services].reverse()) {
        const state = this.states.get(service.name);
        // A failed service is still asked to stop, to release whatever it had acquired.
        if (state !== 'running' && state !== 'failed') continue;
        this.states.set(service.name, 'stopping');
        try {
          await service.stop();
          this.states.set(service.name, 'stopped');
        } catch (error) {
          this.states.set(service.name, 'failed');
          logEvent(this.deps.log, 'SITE_SERVICE_FAILED', { service: service.name, err: (error as Error).message, phase: 'stop' });
        }
      }
      return true;
    })();
    let timer: { cancel(): void } | undefined;
    const deadline = new Promise<false>((resolve) => {
      timer = this.deps.clock.setTimer(this.deps.stopDeadlineMs ?? DEFAULT_STOP_DEADLINE_MS, () => resolve(false));
    });
    const inTime = await Promise.race([stopAll, deadline]);
    timer?.cancel();
    if (!inTime) {
      const late = this.serviceStates().filter((s) => s.state === 'stopping').map((s) => s.name);
      logEvent(this.deps.log, 'SITE_STOP_DEADLINE', { services: late, deadlineMs: this.deps.stopDeadlineMs ?? DEFAULT_STOP_DEADLINE_MS });
      this.failure ??= `stop deadline passed waiting for ${late.join(', ')}`;
    }
    const final = this.failure === undefined
      ? this.lifecycle.transition('stopped', 'every service stopped')
      : this.lifecycle.transition('stoppedAfterFailure', this.failure);
    logEvent(this.deps.log, 'SITE_STOPPED', { state: final, services: this.serviceStates() });
    this.resolveDone(final);
    return final;
  }
}
