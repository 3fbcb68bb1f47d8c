/** One service of the site daemon (status, and later dhcp, dns, files, agent). */
export interface SiteService {
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** The daemon subscribes here; a service calls the listener when it dies while running. */
  onFailure?(listener: (error: Error) => void): void;
}

export type ServiceState = 'pending' | 'starting' | 'running' | 'stopping' | 'stopped' | 'failed';
