// The DHCP failover service of the site daemon: one FailoverRelationship per
// configured relationship (hot-standby, load-balancing; split-scope needs no
// partner traffic), the TCP listener every server runs, the connections a primary
// makes, liveness probes, and their logs, metrics and status. The DHCP service binds
// the relationships to its lease store and engine (bind()), then this starts them.
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Clock, TimerHandle } from '../core/clock.js';
import { OutpostError } from '../core/errors.js';
import type { FailoverRelationship as RelationshipConfig } from '../config/failover-schema.js';
import { relationshipHash, relationshipParameters } from '../config/failover-parameters.js';
import { keyProblem } from '../config/failover-validate.js';
import type { SiteConfig } from '../config/site-schema.js';
import type { LeaseStore } from '../protocol/dhcp/lease-store.js';
import type { RelationshipModel } from '../protocol/failover/model.js';
import { compileRelationship, compileSplitScope } from '../protocol/failover/compile.js';
import { FailoverPolicy } from '../protocol/failover/policy.js';
import { FailoverRelationship, type OperatorCommand, type ProbeResult } from '../protocol/failover/relationship.js';
import { FAILOVER_STATES, PARTNER_STATES } from '../protocol/failover/states.js';
import type { FailoverTransition } from '../protocol/failover/transitions.js';
import { ipv4ToString } from '../wire/dhcp4/index.js';
import type { HelloMessage, HelloResult } from '../wire/failover/index.js';
import { FailoverSession, type SessionEndReason, type SessionIdentity } from '../runtime/failover-session.js';
import { logEvent, type Logger } from '../runtime/log.js';
import { RateLimitedLog } from '../runtime/rate-limited-log.js';
import type { SiteService } from './service.js';

export interface FailoverServiceOptions {
  readonly config: Pick<SiteConfig, 'server' | 'dhcp' | 'failover'>;
  /** The directory relative keyFile paths are read from (the config file's). */
  readonly configDir: string;
  readonly log: Logger;
  readonly clock: Clock;
  readonly registry: Registry;
}

/** A relationship with partner traffic, and how to reach and prove ourselves to the partner. */
interface Peer {
  readonly config: RelationshipConfig;
  readonly model: RelationshipModel;
  readonly identity: Omit<SessionIdentity, 'key'>;
  key?: Buffer;
  relationship?: FailoverRelationship;
  session?: FailoverSession;
  dialTimer?: TimerHandle;
}

export class FailoverService implements SiteService {
  readonly name = 'failover';
  private readonly peers = new Map<string, Peer>();
  private server?: Server;
  private stopping = false;
  private readonly sessionsEnded = new Map<string, number>();
  private readonly refusedLog: RateLimitedLog;
  private readonly droppedLog: RateLimitedLog;
  private readonly probes = new Set<Socket>();

  constructor(private readonly opts: FailoverServiceOptions) {
    this.refusedLog = new RateLimitedLog(opts.log, 'FAILOVER_REFUSED', opts.clock);
    this.droppedLog = new RateLimitedLog(opts.log, 'FAILOVER_CONNECTION_DROPPED', opts.clock);
    for (const r of opts.config.failover?.relationships ?? []) {
      if (r.mode === 'split-scope') continue;
      const model = compileRelationship(r, opts.config.dhcp?.subnets ?? []);
      this.peers.set(r.name, {
        config: r, model,
        identity: {
          relationship: r.name, serverName: opts.config.server.name, role: model.role, mode: model.mode,
          configHash: relationshipHash(relationshipParameters(opts.config, r)), maxClockSkewMs: model.maxClockSkewMs,
        },
      });
    }
    this.registerMetrics(opts.registry);
  }

  /** Whether there is anything to run (at least one relationship with a partner). */
  get enabled(): boolean {
    return (this.opts.config.failover?.relationships.length ?? 0) > 0;
  }

  /**
   * Called by the DHCP service once its store is open: builds every relationship on it
   * and returns the policy its engine follows. Split-scope relationships need no
   * partner: their ownership alone is the policy (FailoverPolicy's split-scope subnets).
   */
  bind(store: LeaseStore): FailoverPolicy {
    const relationships: FailoverRelationship[] = [];
    for (const peer of this.peers.values()) {
      const r = new FailoverRelationship({
        model: peer.model, clock: this.opts.clock, store,
        onTransition: (t) => this.transitioned(t),
        onNotice: (n) => {
          if (n.kind === 'resync-done') logEvent(this.opts.log, 'FAILOVER_RESYNC_DONE', { relationship: peer.model.name, ...n });
          else if (n.kind === 'update-rejected') logEvent(this.opts.log, 'FAILOVER_UPDATE_REJECTED', { relationship: peer.model.name, address: ipv4ToString(n.address) });
          else if (n.kind === 'apply-failed') logEvent(this.opts.log, 'FAILOVER_STORE_FAILED', { relationship: peer.model.name, err: n.error });
          else logEvent(this.opts.log, 'FAILOVER_TERMINATED', { relationship: peer.model.name, reason: n.reason });
        },
        probe: () => this.probe(peer),
      });
      peer.relationship = r;
      relationships.push(r);
    }
    return new FailoverPolicy(relationships, compileSplitScope(this.opts.config));
  }

  async start(): Promise<void> {
    for (const peer of this.peers.values()) peer.key = await this.readKey(peer.config);
    if (this.peers.size > 0) await this.listen();
    for (const peer of this.peers.values()) {
      if (!peer.relationship) throw new OutpostError('FAILOVER_NOT_BOUND', `relationship ${peer.model.name}: the DHCP service did not bind it to a lease store (is dhcp enabled?)`);
      peer.relationship.start();
      if (peer.model.role === 'primary') this.dial(peer);
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    for (const peer of this.peers.values()) {
      peer.dialTimer?.cancel();
      peer.relationship?.stop();
      peer.session?.close('stopping');
    }
    for (const s of this.probes) s.destroy();
    const server = this.server;
    if (server) await new Promise<void>((done) => server.close(() => done()));
  }

  /** Every relationship's state, for /failover and `outpost failover status`. */
  status(): unknown {
    const now = this.opts.clock.now();
    return {
      relationships: [...this.peers.values()].map((p) => {
        const status = p.relationship?.status();
        return {
          ...status,
          lastContactAgeMs: lastContactAge(status?.lastContact ?? 0, now),
          partnerAddress: `${p.config.partner!.address}:${p.config.partner!.port}`,
          history: p.relationship?.machine.history.slice(-20).map((t) => ({ ...t, at: new Date(t.at).toISOString() })) ?? [],
        };
      }),
    };
  }

  /** An operator command for one relationship; the transition made, or why none was. */
  command(relationship: string, command: OperatorCommand): { status: number; body: unknown } {
    const r = this.peers.get(relationship)?.relationship;
    if (!r) return { status: 404, body: { error: `no failover relationship ${JSON.stringify(relationship)} on this server` } };
    const before = r.state;
    const t = r.command(command);
    logEvent(this.opts.log, 'FAILOVER_COMMAND', { relationship, command, from: before, to: r.state });
    if (!t) return { status: 409, body: { error: `${command} changes nothing in state ${before} (partner ${r.machine.partner})`, state: before } };
    return { status: 200, body: { relationship, from: t.from, to: t.to } };
  }

  // ------------------------------------------------------------------ network

  private listen(): Promise<void> {
    const { address, port } = this.opts.config.failover!.listen;
    const server = createServer((socket) => this.accepted(socket));
    this.server = server;
    return new Promise<void>((done, fail) => {
      server.once('error', (error: NodeJS.ErrnoException) => {
        fail(new OutpostError('FAILOVER_LISTEN_FAILED', `cannot listen on ${address} port ${port}: ${error.code ?? error.message}`));
      });
      server.listen(port, address, () => {
        logEvent(this.opts.log, 'FAILOVER_LISTENING', { address, port, relationships: [...this.peers.keys()] });
        done();
      });
    });
  }

  private accepted(socket: Socket): void {
    let peer: Peer | undefined;
    const lookup = (hello: HelloMessage): SessionIdentity | HelloResult => {
      peer = this.peers.get(hello.relationship);
      if (!peer || !peer.key || peer.model.role === 'primary') return 'unknown-relationship';
      return { ...peer.identity, key: peer.key };
    };
    // The handlers run on later socket events, by when `session` is assigned.
    const session: FailoverSession = FailoverSession.acceptor(socket, lookup, this.opts.clock, {
      onReady: (partner) => this.ready(peer!, session, partner.serverName),
      onMessage: (m) => { if (peer?.session === session) this.message(peer, m); },
      onEnd: (reason, detail) => this.ended(peer, session, reason, detail, socket.remoteAddress),
    });
  }

  private dial(peer: Peer): void {
    if (this.stopping || peer.session) return;
    const { address, port } = peer.config.partner!;
    const socket = createConnection({ host: address, port });
    let connected = false;
    const timeout = this.opts.clock.setTimer(Math.max(1000, peer.model.heartbeatMs * peer.model.missedHeartbeats), () => socket.destroy());
    socket.on('error', () => {}); // a refused or unreachable partner: tried again below
    socket.once('close', () => { timeout.cancel(); if (!connected) this.redial(peer); });
    socket.once('connect', () => {
      connected = true;
      timeout.cancel();
      const session: FailoverSession = FailoverSession.connector(socket, { ...peer.identity, key: peer.key! }, this.opts.clock, {
        onReady: (partner) => this.ready(peer, session, partner.serverName),
        onMessage: (m) => { if (peer.session === session) this.message(peer, m); },
        onEnd: (reason, detail) => { this.ended(peer, session, reason, detail, address); this.redial(peer); },
      });
    });
  }

  private redial(peer: Peer): void {
    if (this.stopping || peer.session || peer.dialTimer) return;
    peer.dialTimer = this.opts.clock.setTimer(peer.model.heartbeatMs, () => { peer.dialTimer = undefined; this.dial(peer); });
  }

  private ready(peer: Peer, session: FailoverSession, partnerName: string): void {
    const previous = peer.session;
    peer.session = session;
    if (previous && previous !== session) previous.close('replaced by a new connection');
    logEvent(this.opts.log, 'FAILOVER_CONNECTED', { relationship: peer.model.name, partner: partnerName, remote: session.remoteAddress });
    peer.relationship!.attach({ send: (m) => session.send(m), close: (reason) => session.close(reason) });
  }

  private message(peer: Peer, m: Parameters<FailoverSession['send']>[0]): void {
    switch (m.kind) {
      case 'heartbeat': case 'update': case 'update-ack': case 'resync-request': case 'resync-page':
        peer.relationship!.receive(m);
        return;
      case 'bye':
        peer.session?.close(`the partner said goodbye: ${m.reason}${m.text ? ` (${m.text})` : ''}`);
        return;
      default:
        peer.session?.close(`unexpected ${m.kind} in an established session`);
    }
  }

  private ended(peer: Peer | undefined, session: FailoverSession, reason: SessionEndReason, detail: string, remote: string | undefined): void {
    this.sessionsEnded.set(reason, (this.sessionsEnded.get(reason) ?? 0) + 1);
    const name = peer?.model.name ?? '(none)';
    if (reason === 'auth-failed' || reason === 'refused-by-partner' || reason === 'refused-partner' || reason === 'refused-stranger') {
      this.refusedLog.event({ relationship: name, reason, detail, remote });
      // Only an authenticated refusal changes the relationship: a stranger cannot terminate it.
      if (peer?.relationship && (reason === 'refused-by-partner' || reason === 'refused-partner')) peer.relationship.refuse(detail);
    } else if (reason === 'bad-frame' || reason === 'handshake-timeout') {
      this.droppedLog.event({ relationship: name, reason, detail, remote });
    }
    if (peer && peer.session === session) {
      peer.session = undefined;
      logEvent(this.opts.log, 'FAILOVER_DISCONNECTED', { relationship: name, reason, detail });
      peer.relationship?.detach(`${reason}: ${detail}`);
    }
  }

  /** A bare connect to the partner's port: refused means its server is not running. */
  private probe(peer: Peer): Promise<ProbeResult> {
    const { address, port } = peer.config.partner!;
    return new Promise((done) => {
      const socket = createConnection({ host: address, port });
      this.probes.add(socket);
      const finish = (r: ProbeResult) => { timer.cancel(); this.probes.delete(socket); socket.destroy(); done(r); };
      const timer = this.opts.clock.setTimer(peer.model.heartbeatMs, () => finish('timeout'));
      socket.once('connect', () => finish('open'));
      socket.once('error', (e: NodeJS.ErrnoException) => finish(e.code === 'ECONNREFUSED' ? 'refused' : 'timeout'));
    });
  }

  private async readKey(r: RelationshipConfig): Promise<Buffer> {
    let text = r.key;
    if (text === undefined && r.keyFile !== undefined) {
      const path = resolve(this.opts.configDir, r.keyFile);
      try {
        text = (await readFile(path, 'utf8')).trim();
      } catch (error) {
        throw new OutpostError('FAILOVER_KEY_UNREADABLE', `relationship ${r.name}: cannot read keyFile ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
      }
    }
    // The config check saw an inline key already; a keyFile's contents get the same strict check here.
    const problem = keyProblem(text ?? '');
    if (problem !== undefined) throw new OutpostError('FAILOVER_KEY_UNREADABLE', `relationship ${r.name}: the key${r.keyFile !== undefined ? ` in ${r.keyFile}` : ''} ${problem}`);
    return Buffer.from(text!, 'base64');
  }

  private transitioned(t: FailoverTransition): void {
    logEvent(this.opts.log, 'FAILOVER_STATE', { relationship: t.relationship, from: t.from, to: t.to, partner: t.partner, event: t.event, cause: t.cause });
    this.transitions.set(`${t.relationship}\0${t.to}`, (this.transitions.get(`${t.relationship}\0${t.to}`) ?? 0) + 1);
  }

  private readonly transitions = new Map<string, number>();

  private registerMetrics(registry: Registry): void {
    const service = this;
    const each = (fn: (name: string, r: FailoverRelationship) => void) => {
      for (const [name, p] of service.peers) if (p.relationship) fn(name, p.relationship);
    };
    new Gauge({ name: 'outpost_failover_state', help: 'The state of each failover relationship on this server: 1 for the current state.', labelNames: ['relationship', 'state'], registers: [registry],
      collect() { this.reset(); each((n, r) => { for (const s of FAILOVER_STATES) this.set({ relationship: n, state: s }, r.state === s ? 1 : 0); }); } });
    new Gauge({ name: 'outpost_failover_partner_state', help: 'The partner\'s state as last reported: 1 for that state (unknown: no contact).', labelNames: ['relationship', 'state'], registers: [registry],
      collect() { this.reset(); each((n, r) => { for (const s of PARTNER_STATES) this.set({ relationship: n, state: s }, r.machine.partner === s ? 1 : 0); }); } });
    new Gauge({ name: 'outpost_failover_connected', help: '1 while an authenticated connection to the partner is up.', labelNames: ['relationship'], registers: [registry],
      collect() { this.reset(); each((n, r) => this.set({ relationship: n }, r.connected ? 1 : 0)); } });
    new Gauge({ name: 'outpost_failover_last_contact_seconds', help: 'Seconds since the last frame from the partner (-1: never).', labelNames: ['relationship'], registers: [registry],
      collect() { this.reset(); each((n, r) => { const at = r.status().lastContact; this.set({ relationship: n }, at === 0 ? -1 : (service.opts.clock.now() - at) / 1000); }); } });
    new Gauge({ name: 'outpost_failover_unsynced_leases', help: 'Bindings the partner has not acknowledged (replication lag in records).', labelNames: ['relationship'], registers: [registry],
      collect() { this.reset(); each((n, r) => this.set({ relationship: n }, r.status().unsynced)); } });
    new Gauge({ name: 'outpost_failover_updates_in_flight', help: 'Binding updates sent and waiting for the partner\'s acknowledgement.', labelNames: ['relationship'], registers: [registry],
      collect() { this.reset(); each((n, r) => this.set({ relationship: n }, r.status().inFlight)); } });
    new Gauge({ name: 'outpost_failover_last_resync_seconds', help: 'How long the last resync (pull of every subnet from the partner) took.', labelNames: ['relationship'], registers: [registry],
      collect() { this.reset(); each((n, r) => { const ms = r.status().lastResyncMs; if (ms !== undefined) this.set({ relationship: n }, ms / 1000); }); } });
    new Counter({ name: 'outpost_failover_transitions_total', help: 'Failover state transitions, by relationship and new state.', labelNames: ['relationship', 'to'], registers: [registry],
      collect() { this.reset(); for (const [k, v] of service.transitions) { const [relationship, to] = k.split('\0') as [string, string]; this.inc({ relationship, to }, v); } } });
    new Counter({ name: 'outpost_failover_connections_ended_total', help: 'Partner connections that ended, by reason (bad-frame, auth-failed, refused-partner, … are refused partner traffic).', labelNames: ['reason'], registers: [registry],
      collect() { this.reset(); for (const [reason, v] of service.sessionsEnded) this.inc({ reason }, v); } });
  }
}

/** Milliseconds since the partner's last frame; null when it never spoke. */
function lastContactAge(at: number, now: number): number | null {
  return at === 0 ? null : Math.max(0, now - at);
}
