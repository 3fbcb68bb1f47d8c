// The DHCPv4 protocol engine (RFC 2131 §4.3): decides, for each decoded request,
// which address and options a client gets, commits the binding durably before an
// ACK leaves, and says where the reply goes. No sockets, no real time: the service
// around it (src/site) feeds datagrams in and sends what comes out.
import type { Clock } from '../../core/clock.js';
import { BOOTREQUEST, MessageType, Opt, clientFqdn, ipv4, messageType, u32, messageTypeName, type Dhcp4Message } from '../../wire/dhcp4/index.js';
import { fqdnReply } from '../ddns/fqdn-reply.js';
import { Allocator, type PoolBits } from './allocator.js';
import { classify } from './classify.js';
import { MAX_PROBED_ADDRESSES, PING_CONFLICT_CLIENT, type AddressProbe } from './conflict-probe.js';
import { clientInfo, type ClientInfo } from './client.js';
import { DhcpCounters, type DropReason } from './counters.js';
import type { Lease } from './lease.js';
import { holdsAddress, nextBindingState, type BindingState, type LeaseEvent } from './lease-machine.js';
import type { LeaseStore } from './lease-store.js';
import { isExcluded, subnetContains, type ClassModel, type DhcpModel, type PoolModel, type ReservationModel, type SubnetModel } from './model.js';
import { OfferTable, type Offer } from './offers.js';
import { ReplyOptionsCache, resolveOptions, selectOptions } from './options-resolve.js';
import { buildReply, destination, type Destination } from './reply.js';
import { ReplicationRefused, type ServingPolicy } from './serving-policy.js';
import { selectSubnets, type Arrival } from './subnet-select.js';

export type { Arrival } from './subnet-select.js';

export type Outcome =
  | { readonly kind: 'reply'; readonly type: number; readonly data: Buffer; readonly destination: Destination }
  | { readonly kind: 'silent'; readonly type: number }
  | { readonly kind: 'drop'; readonly reason: DropReason };

export interface LeaseTransition {
  readonly address: number;
  readonly clientKey: string;
  readonly from: BindingState;
  readonly to: BindingState;
  readonly event: LeaseEvent;
  readonly cause: string;
  /** The record committed, and the one it replaced. */
  readonly lease: Lease;
  readonly previous: Lease | undefined;
  /** Option 81's flags in the request behind an ack, when the client sent it (RFC 4702). */
  readonly fqdnFlags?: number;
}

export interface EngineDeps {
  readonly model: DhcpModel;
  readonly store: LeaseStore;
  readonly clock: Clock;
  /** Our IPv4 addresses (any interface): a REQUEST naming one of them as server id is for us. */
  readonly serverAddresses: (arrival: Arrival) => readonly number[];
  readonly onTransition?: (t: LeaseTransition) => void;
  /**
   * After a transition is durable, before the reply leaves (DHCP → DNS: its changes are
   * queued durably here). Must not reject; the reply waits for it.
   */
  readonly afterCommit?: (t: LeaseTransition) => Promise<void> | undefined;
  /** Conflict detection before an offer (ping); absent: offer at once. */
  readonly probe?: AddressProbe;
  /** Failover: which clients to answer, which addresses are ours, how far bindings may go. Absent: serve everything. */
  readonly policy?: ServingPolicy;
}

/** A decision about one client in one request: where, which address, with what. */
interface Placement {
  readonly subnet: SubnetModel;
  readonly address: number;
  readonly pool?: PoolModel;
  readonly reservation?: ReservationModel;
  /** The address is new to the client (see conflict-probe.ts): probe it before offering. */
  readonly fresh?: boolean;
}

export class Dhcp4Engine {
  readonly counters = new DhcpCounters();
  readonly offers: OfferTable;
  private readonly allocator: Allocator;
  /** Clients whose offer waits for a probe; their retransmitted DISCOVERs are dropped meanwhile. */
  private readonly probing = new Set<string>();
  /** Options of OFFERs and ACKs by (subnet, pool, classes, reservation, option 55). */
  private readonly replyOptions: ReplyOptionsCache;
  /** Per subnet: options 51, 58, 59 and 1, encoded once. */
  private readonly subnetLead = new WeakMap<SubnetModel, readonly (readonly [number, Buffer])[]>();

  constructor(private readonly deps: EngineDeps) {
    this.allocator = new Allocator(deps.model.subnets);
    if (deps.policy) {
      for (const s of deps.model.subnets) for (const bits of this.allocator.pools(s.id)) bits.restrict(deps.policy.ownedRange(s, bits.pool));
    }
    this.replyOptions = new ReplyOptionsCache(deps.model);
    this.offers = new OfferTable(deps.clock, (offer) => {
      if (!this.isHeld(offer.address)) this.allocator.free(offer.subnetId, offer.address);
    });
    const now = deps.clock.now();
    for (const lease of deps.store.all()) {
      if (holdsAddress(lease.state as BindingState) && lease.expiresAt > now) this.allocator.take(lease.subnetId, lease.address);
    }
  }

  /** The pools of a subnet with their usage, for utilisation metrics. */
  pools(subnetId: number): readonly PoolBits[] {
    return this.allocator.pools(subnetId);
  }

  /** Handles one decoded datagram. Resolves after any binding it made is durable. */
  handle(req: Dhcp4Message, arrival: Arrival): Outcome | Promise<Outcome> {
    if (req.op !== BOOTREQUEST) return this.drop('not-a-request');
    const type = messageType(req);
    if (type === undefined) return this.drop('no-message-type');
    this.counters.count(this.counters.received, messageTypeName(type) ?? String(type));
    const client = clientInfo(req, this.deps.model.matchClientId);
    const subnets = selectSubnets(this.deps.model, client, req.giaddr, req.ciaddr, arrival);
    if (this.deps.policy && subnets.length > 0 && !this.deps.policy.answers(subnets[0]!, client, req)) return this.drop('failover-not-ours');
    switch (type) {
      case MessageType.DISCOVER: return this.discover(req, client, subnets, arrival);
      case MessageType.REQUEST: return this.request(req, client, subnets, arrival);
      case MessageType.DECLINE: return this.decline(client, subnets, arrival);
      case MessageType.RELEASE: return this.release(req, client, arrival);
      case MessageType.INFORM: return this.inform(req, client, subnets, arrival);
      default: return this.drop('unsupported-message-type');
    }
  }

  /**
   * A binding changed in the store without the engine (taken from a failover partner):
   * keeps the pool bits in step, and withdraws an offer of the address to another client.
   */
  noteExternal(lease: Lease): void {
    if (holdsAddress(lease.state as BindingState) && lease.expiresAt > this.deps.clock.now()) {
      this.allocator.take(lease.subnetId, lease.address);
      const offer = this.offers.forAddress(lease.address);
      if (offer && offer.clientKey !== lease.clientKey) this.offers.remove(offer);
    } else if (!this.offers.forAddress(lease.address)) {
      this.allocator.free(lease.subnetId, lease.address);
    }
  }

  /** Expires bindings whose time is up (bound leases, quarantines). Returns how many changed. */
  async reclaim(limit = 10_000): Promise<number> {
    const now = this.deps.clock.now();
    this.offers.sweep();
    const due = this.deps.store.dueForExpiry(now, limit);
    await Promise.all(due.map((l) => this.transition(l.address, l.subnetId, l, 'expire', { ...l, state: 'expired', startedAt: now, expiresAt: now }, 'lease time over')));
    return due.length;
  }

  // ------------------------------------------------------------------ messages

  private discover(req: Dhcp4Message, client: ClientInfo, subnets: readonly SubnetModel[], arrival: Arrival): Outcome | Promise<Outcome> {
    if (subnets.length === 0) return this.drop('no-subnet');
    if (this.probing.has(client.key)) return this.drop('ping-in-progress');
    const classes = this.classesOf(client, subnets, req.giaddr);
    const placement = this.placeForOffer(client, subnets, classes);
    if (!placement) return this.drop('pool-exhausted');
    const offer = this.hold(placement, client);
    if (this.deps.probe && placement.fresh) return this.probeThenOffer(req, client, subnets, classes, arrival, placement, offer);
    return this.reply(req, MessageType.OFFER, placement, client, classes, arrival);
  }

  /** Holds an address for the client while it decides (and while a probe runs). */
  private hold(p: Placement, client: ClientInfo): Offer {
    const offer: Offer = { address: p.address, subnetId: p.subnet.id, clientKey: client.key, expiresAt: this.deps.clock.now() + this.deps.model.offerHoldMs };
    this.offers.add(offer);
    this.allocator.take(p.subnet.id, p.address);
    return offer;
  }

  /**
   * Offers only an address nothing answers at. One that answers is quarantined like a
   * declined one and the next is tried, up to MAX_PROBED_ADDRESSES. Other clients are
   * served meanwhile: the held address is in the offer table, the wait is a promise.
   */
  private async probeThenOffer(req: Dhcp4Message, client: ClientInfo, subnets: readonly SubnetModel[], classes: readonly ClassModel[], arrival: Arrival, first: Placement, firstOffer: Offer): Promise<Outcome> {
    this.probing.add(client.key);
    try {
      let [placement, offer] = [first, firstOffer];
      for (let tried = 1; ; tried++) {
        const result = await this.deps.probe!(placement.address);
        this.counters.count(this.counters.pingChecks, result);
        // The client may have chosen another server's offer meanwhile (offer removed, address freed).
        if (this.offers.forAddress(placement.address) !== offer) return this.drop('offer-withdrawn');
        if (result !== 'in-use') {
          this.hold(placement, client); // the hold time counts from the offer, not from the probe
          return this.reply(req, MessageType.OFFER, placement, client, classes, arrival);
        }
        this.offers.remove(offer);
        try {
          await this.quarantine(placement);
        } catch {
          return this.drop('store-failed');
        }
        if (tried >= MAX_PROBED_ADDRESSES) return this.drop('ping-conflicts');
        const next = this.placeForOffer(client, subnets, classes);
        if (!next) return this.drop('pool-exhausted');
        [placement, offer] = [next, this.hold(next, client)];
        if (!next.fresh) return this.reply(req, MessageType.OFFER, next, client, classes, arrival);
      }
    } finally {
      this.probing.delete(client.key);
    }
  }

  /** An address some host answers at is out of use for the decline probation time, durably. */
  private quarantine(p: Placement): Promise<void> {
    const now = this.deps.clock.now();
    this.allocator.take(p.subnet.id, p.address);
    const conflict: Lease = {
      address: p.address, subnetId: p.subnet.id, clientKey: PING_CONFLICT_CLIENT, hwAddress: '', state: 'declined',
      startedAt: now, expiresAt: now + this.deps.model.declineProbation * 1000,
    };
    return this.transition(p.address, p.subnet.id, this.deps.store.get(p.address), 'decline', conflict, 'answered a ping before offer');
  }

  private request(req: Dhcp4Message, client: ClientInfo, subnets: readonly SubnetModel[], arrival: Arrival): Outcome | Promise<Outcome> {
    const authoritative = this.deps.model.authoritative;
    if (client.serverId !== undefined) {
      // SELECTING: the client answers one server's offer; every other server forgets theirs.
      if (!this.isOurs(client.serverId, arrival)) {
        const offer = this.offers.forClient(client.key);
        if (offer) { this.offers.remove(offer); if (!this.isHeld(offer.address)) this.allocator.free(offer.subnetId, offer.address); }
        return this.drop('for-other-server');
      }
      if (client.requestedAddress === undefined) return this.drop('missing-requested-address');
      return this.confirm(req, client, subnets, client.requestedAddress, arrival, true, 'selecting');
    }
    if (req.ciaddr === 0) {
      // INIT-REBOOT: the client remembers an address and asks to keep it.
      if (client.requestedAddress === undefined) return this.drop('missing-requested-address');
      return this.confirm(req, client, subnets, client.requestedAddress, arrival, authoritative, 'init-reboot');
    }
    // RENEWING (unicast to us) or REBINDING (broadcast to any server).
    return this.confirm(req, client, subnets, req.ciaddr, arrival, authoritative || !arrival.broadcast, arrival.broadcast ? 'rebinding' : 'renewing');
  }

  /** ACKs the address if this client may have it; NAKs (when allowed to) or stays silent otherwise. */
  private confirm(req: Dhcp4Message, client: ClientInfo, subnets: readonly SubnetModel[], address: number, arrival: Arrival, mayNak: boolean, phase: string): Outcome | Promise<Outcome> {
    const subnet = subnets.find((s) => subnetContains(s, address));
    const nak = (reason: DropReason, text: string): Outcome => (mayNak ? this.nak(req, subnets[0], arrival, text) : this.drop(reason));
    if (!subnet) return subnets.length === 0 && !mayNak ? this.drop('no-subnet') : nak('no-subnet', `address not on this network (${phase})`);
    const classes = this.classesOf(client, [subnet], req.giaddr);
    const placement = this.placeExisting(client, subnet, address, classes);
    if (!placement) {
      const lease = this.deps.store.get(address);
      if (lease && lease.clientKey !== client.key && holdsAddress(lease.state as BindingState)) return nak('lease-of-other-client', 'address in use by another client');
      if (lease && lease.state === 'declined') return nak('address-quarantined', 'address declined');
      return nak(phase === 'selecting' ? 'not-offered' : 'unknown-client', `address not available (${phase})`);
    }
    return this.ack(req, client, placement, classes, arrival, phase);
  }

  private async ack(req: Dhcp4Message, client: ClientInfo, p: Placement, classes: readonly ClassModel[], arrival: Arrival, phase: string): Promise<Outcome> {
    const now = this.deps.clock.now();
    const previous = this.deps.store.get(p.address);
    // Out of contact with a failover partner, a binding on its address goes no further than it allows (rule 3).
    const bits = this.allocator.poolOf(p.subnet.id, p.address);
    const limit = this.deps.policy?.expiryLimit(p.subnet, p.address, bits === undefined || bits.owns(p.address)) ?? Infinity;
    const leaseSeconds = Math.min(p.subnet.leaseTime, Math.floor((limit - now) / 1000));
    if (leaseSeconds < MIN_BOUNDED_LEASE_SECONDS) return this.drop('failover-extension-limit');
    const hostname = nameOf(client, p);
    const lease: Lease = {
      address: p.address, subnetId: p.subnet.id, clientKey: client.key, hwAddress: client.hwAddress, state: 'bound',
      startedAt: now, expiresAt: now + leaseSeconds * 1000, ...(hostname ? { hostname } : {}),
    };
    // Leaving an older address of this client in this subnet: it is released by the move.
    const older = this.deps.store.findByClient(p.subnet.id, client.key);
    const moves: Promise<void>[] = [];
    if (older && older.address !== p.address && holdsAddress(older.state as BindingState)) {
      moves.push(this.transition(older.address, older.subnetId, older, 'release', { ...older, state: 'released', startedAt: now, expiresAt: now }, `client moved to another address (${phase})`));
    }
    const offer = this.offers.forClient(client.key);
    if (offer) this.offers.remove(offer);
    this.allocator.take(p.subnet.id, p.address);
    try {
      await Promise.all([...moves, this.transition(p.address, p.subnet.id, previous, 'ack', lease, phase, client.fqdn?.flags)]);
    } catch (error) {
      return this.drop(error instanceof ReplicationRefused ? `failover-${error.reason}` : 'store-failed');
    }
    return this.reply(req, MessageType.ACK, p, client, classes, arrival, leaseSeconds);
  }

  private decline(client: ClientInfo, subnets: readonly SubnetModel[], arrival: Arrival): Outcome | Promise<Outcome> {
    if (client.serverId === undefined || !this.isOurs(client.serverId, arrival)) return this.drop('for-other-server');
    const address = client.requestedAddress;
    if (address === undefined) return this.drop('missing-requested-address');
    const subnet = subnets.find((s) => subnetContains(s, address)) ?? this.deps.model.subnets.find((s) => subnetContains(s, address));
    if (!subnet) return this.drop('no-subnet');
    const lease = this.deps.store.get(address);
    const offer = this.offers.forAddress(address);
    const ours = (lease && lease.clientKey === client.key) || (offer && offer.clientKey === client.key);
    if (!ours) return this.drop('lease-of-other-client');
    if (offer) this.offers.remove(offer);
    const now = this.deps.clock.now();
    this.counters.declines++;
    this.allocator.take(subnet.id, address);
    const quarantined: Lease = {
      address, subnetId: subnet.id, clientKey: client.key, hwAddress: client.hwAddress, state: 'declined',
      startedAt: now, expiresAt: now + this.deps.model.declineProbation * 1000,
    };
    return this.transition(address, subnet.id, lease, 'decline', quarantined, 'client reported a conflict')
      .then((): Outcome => ({ kind: 'silent', type: MessageType.DECLINE }), () => this.drop('store-failed'));
  }

  private release(req: Dhcp4Message, client: ClientInfo, arrival: Arrival): Outcome | Promise<Outcome> {
    if (client.serverId !== undefined && !this.isOurs(client.serverId, arrival)) return this.drop('for-other-server');
    const lease = this.deps.store.get(req.ciaddr);
    if (!lease || lease.clientKey !== client.key || lease.state !== 'bound') return this.drop('unknown-client');
    const now = this.deps.clock.now();
    return this.transition(lease.address, lease.subnetId, lease, 'release', { ...lease, state: 'released', startedAt: now, expiresAt: now }, 'client released')
      .then((): Outcome => ({ kind: 'silent', type: MessageType.RELEASE }), () => this.drop('store-failed'));
  }

  private inform(req: Dhcp4Message, client: ClientInfo, subnets: readonly SubnetModel[], arrival: Arrival): Outcome {
    const subnet = subnets.find((s) => subnetContains(s, req.ciaddr)) ?? subnets[0];
    if (!subnet) return this.drop('no-subnet');
    const classes = this.classesOf(client, [subnet], req.giaddr);
    const resolved = resolveOptions(this.deps.model, subnet, undefined, classes, this.reservationFor(subnet, client));
    const options: [number, Buffer][] = [[Opt.SUBNET_MASK, ipv4.encode(subnet.mask)], ...selectOptions(resolved, client.parameterRequestList)];
    const data = buildReply(req, { type: MessageType.ACK, serverId: this.serverId(subnet, arrival), ciaddr: req.ciaddr, options });
    return this.sent(MessageType.ACK, data, destination(req, MessageType.ACK, 0, this.deps.model.port));
  }

  // ------------------------------------------------------------------ placement

  /** The address to offer: reservation, current offer, previous lease, requested address, then the pools. */
  private placeForOffer(client: ClientInfo, subnets: readonly SubnetModel[], classes: readonly ClassModel[]): Placement | undefined {
    for (const subnet of subnets) {
      const r = this.reservationFor(subnet, client);
      if (r?.address !== undefined && this.availableTo(subnet, r.address, client, true)) return { subnet, address: r.address, reservation: r };
    }
    const offer = this.offers.forClient(client.key);
    if (offer) {
      const subnet = subnets.find((s) => s.id === offer.subnetId);
      if (subnet) {
        const p = this.placeExisting(client, subnet, offer.address, classes);
        if (p) return p;
      }
    }
    for (const subnet of subnets) {
      const previous = this.deps.store.findByClient(subnet.id, client.key);
      if (previous && previous.state !== 'declined') {
        const p = this.placeExisting(client, subnet, previous.address, classes);
        if (p) return p;
      }
    }
    if (client.requestedAddress !== undefined) {
      const subnet = subnets.find((s) => subnetContains(s, client.requestedAddress!));
      const p = subnet && this.placeExisting(client, subnet, client.requestedAddress, classes);
      if (p) return p.reservation?.address === p.address || this.deps.store.get(p.address)?.clientKey === client.key ? p : { ...p, fresh: true };
    }
    return this.allocate(client, subnets, classes) ?? (this.offers.sweep() > 0 ? this.allocate(client, subnets, classes) : undefined);
  }

  /** A free address from the first pool, in configuration order, that is open to the client's classes. */
  private allocate(client: ClientInfo, subnets: readonly SubnetModel[], classes: readonly ClassModel[]): Placement | undefined {
    for (const subnet of subnets) {
      if (!admits(subnet.onlyClasses, classes)) continue;
      const reservation = this.reservationFor(subnet, client);
      for (const bits of this.allocator.pools(subnet.id)) {
        if (!admits(bits.pool.onlyClasses, classes)) continue;
        for (let tries = 0; tries < 64; tries++) {
          const address = bits.next();
          if (address === undefined) break;
          if (this.deps.policy && !this.deps.policy.mayReuse(subnet, address)) continue; // fenced: its last binding may live on at the partner
          if (this.availableTo(subnet, address, client, false)) return { subnet, address, pool: bits.pool, fresh: true, ...(reservation ? { reservation } : {}) };
          bits.take(address); // held in a way the bits did not know (e.g. reserved for another client)
        }
      }
    }
    return undefined;
  }

  /** This client may have this specific address in this subnet (reserved for it, or a free address of a pool open to it). */
  private placeExisting(client: ClientInfo, subnet: SubnetModel, address: number, classes: readonly ClassModel[]): Placement | undefined {
    const reservation = this.reservationFor(subnet, client);
    if (reservation?.address === address) return this.availableTo(subnet, address, client, true) ? { subnet, address, reservation } : undefined;
    const bits = this.allocator.poolOf(subnet.id, address);
    if (!bits || !admits(subnet.onlyClasses, classes) || !admits(bits.pool.onlyClasses, classes) || !this.availableTo(subnet, address, client, false)) return undefined;
    // Under failover, an address the client does not hold now is a free one: only its owner hands it out, once unfenced.
    if (this.deps.policy && !this.holdsNow(client, address) && !(bits.owns(address) && this.deps.policy.mayReuse(subnet, address))) return undefined;
    return { subnet, address, pool: bits.pool, ...(reservation ? { reservation } : {}) };
  }

  /** No one else holds, was offered, or has a reservation for the address; it is not excluded (unless reserved). */
  private availableTo(subnet: SubnetModel, address: number, client: ClientInfo, reserved: boolean): boolean {
    if (!reserved && isExcluded(subnet, address)) return false;
    const now = this.deps.clock.now();
    const lease = this.deps.store.get(address);
    if (lease && holdsAddress(lease.state as BindingState) && lease.expiresAt > now && (lease.clientKey !== client.key || lease.state === 'declined')) return false;
    const offer = this.offers.forAddress(address);
    if (offer && offer.clientKey !== client.key) return false;
    if (!reserved && subnet.reservations.some((r) => r.address === address && !reservationMatches(r, client))) return false;
    return true;
  }

  private reservationFor(subnet: SubnetModel, client: ClientInfo): ReservationModel | undefined {
    return subnet.reservations.find((r) => reservationMatches(r, client));
  }

  // ------------------------------------------------------------------ helpers

  private reply(req: Dhcp4Message, type: number, p: Placement, client: ClientInfo, classes: readonly ClassModel[], arrival: Arrival, leaseSeconds = p.subnet.leaseTime): Outcome {
    const s = p.subnet;
    let options = this.replyOptions.get(s, p.pool, classes, p.reservation, client.parameterRequestList, this.leadOf);
    if (leaseSeconds < s.leaseTime) options = [...boundedTimes(s, leaseSeconds), ...options.slice(3)];
    // RFC 4702 §4: a client that sent option 81 is told which updates the server does, under which name.
    if (client.fqdn) options = [...options, [Opt.CLIENT_FQDN, clientFqdn.encode(fqdnReply(client.fqdn, nameOf(client, p), s.ddns))]];
    const data = buildReply(req, { type, serverId: this.serverId(s, arrival), yiaddr: p.address, ciaddr: type === MessageType.ACK ? req.ciaddr : 0, options });
    return this.sent(type, data, destination(req, type, p.address, this.deps.model.port));
  }

  private readonly leadOf = (s: SubnetModel): readonly (readonly [number, Buffer])[] => {
    let lead = this.subnetLead.get(s);
    if (lead === undefined) {
      lead = [[Opt.LEASE_TIME, u32.encode(s.leaseTime)], [Opt.RENEWAL_TIME, u32.encode(s.renewTime)], [Opt.REBINDING_TIME, u32.encode(s.rebindTime)], [Opt.SUBNET_MASK, ipv4.encode(s.mask)]];
      this.subnetLead.set(s, lead);
    }
    return lead;
  };

  /** The classes of a client: those it matches, and those its reservation (in these subnets) names. */
  private classesOf(client: ClientInfo, subnets: readonly SubnetModel[], giaddr: number): ClassModel[] {
    let reservation: ReservationModel | undefined;
    for (const s of subnets) if ((reservation = this.reservationFor(s, client))) break;
    return classify(this.deps.model.classes, client, giaddr, reservation);
  }

  private nak(req: Dhcp4Message, subnet: SubnetModel | undefined, arrival: Arrival, text: string): Outcome {
    const data = buildReply(req, { type: MessageType.NAK, serverId: subnet ? this.serverId(subnet, arrival) : arrival.localAddress, options: [], message: text });
    return this.sent(MessageType.NAK, data, destination(req, MessageType.NAK, 0, this.deps.model.port));
  }

  private sent(type: number, data: Buffer, dest: Destination): Outcome {
    this.counters.count(this.counters.sent, messageTypeName(type) ?? String(type));
    return { kind: 'reply', type, data, destination: dest };
  }

  private drop(reason: DropReason): Outcome {
    this.counters.drop(reason);
    return { kind: 'drop', reason };
  }

  /** Option 54: the subnet's configured server id, else the address the request came to, else our address on that link. */
  private serverId(subnet: SubnetModel, arrival: Arrival): number {
    if (subnet.serverId !== undefined) return subnet.serverId;
    if (!arrival.broadcast && arrival.localAddress !== 0) return arrival.localAddress;
    const configured = this.deps.model.interfaces.get(arrival.interface)?.address;
    if (configured !== undefined) return configured;
    const ours = this.deps.serverAddresses(arrival);
    return ours.find((a) => subnetContains(subnet, a)) ?? ours[0] ?? 0;
  }

  private isOurs(serverId: number, arrival: Arrival): boolean {
    const m = this.deps.model;
    return this.deps.serverAddresses(arrival).includes(serverId) || m.subnets.some((s) => s.serverId === serverId)
      || [...m.interfaces.values()].some((i) => i.address === serverId);
  }

  /** The client holds a live binding on the address (renewing it is not an allocation). */
  private holdsNow(client: ClientInfo, address: number): boolean {
    const lease = this.deps.store.get(address);
    return lease !== undefined && lease.clientKey === client.key && lease.state === 'bound' && lease.expiresAt > this.deps.clock.now();
  }

  private isHeld(address: number): boolean {
    const lease = this.deps.store.get(address);
    return lease !== undefined && holdsAddress(lease.state as BindingState) && lease.expiresAt > this.deps.clock.now();
  }

  private transition(address: number, subnetId: number, previous: Lease | undefined, event: LeaseEvent, next: Lease, cause: string, fqdnFlags?: number): Promise<void> {
    // A binding whose time ran out is expired, whether or not reclaim() got to it yet.
    const stored: BindingState = previous ? (previous.state as BindingState) : 'free';
    const from: BindingState = previous && holdsAddress(stored) && previous.expiresAt <= this.deps.clock.now() && event !== 'expire' ? 'expired' : stored;
    const to = nextBindingState(from, event);
    if (to === undefined || to !== next.state) {
      return Promise.reject(new Error(`lease ${address}: event ${event} not allowed in state ${from}`));
    }
    if (!holdsAddress(to)) this.allocator.free(subnetId, address);
    const t: LeaseTransition = { address, clientKey: next.clientKey, from, to, event, cause, lease: next, previous, ...(fqdnFlags !== undefined ? { fqdnFlags } : {}) };
    this.deps.onTransition?.(t);
    const committed = this.deps.store.commit(next);
    const after = this.deps.afterCommit;
    return after ? committed.then(() => after(t)) : committed;
  }
}

/** The name a binding takes: option 81's when the client sent one with a name (RFC 4702 §3.1), else option 12's, else its reservation's. */
function nameOf(client: ClientInfo, p: Placement): string | undefined {
  return (client.fqdn !== undefined && client.fqdn.name.length > 0 ? client.fqdn.name : client.hostname) ?? p.reservation?.hostname;
}

/** Below this, a bounded binding is not worth granting: the client is NAKed or ignored and moves on. */
const MIN_BOUNDED_LEASE_SECONDS = 10;

/** Options 51, 58, 59 for a lease shortened by failover's extension limit, in the subnet's T1/T2 proportions. */
function boundedTimes(s: SubnetModel, seconds: number): (readonly [number, Buffer])[] {
  const scale = (t: number) => Math.max(1, Math.floor((t * seconds) / s.leaseTime));
  return [[Opt.LEASE_TIME, u32.encode(seconds)], [Opt.RENEWAL_TIME, u32.encode(scale(s.renewTime))], [Opt.REBINDING_TIME, u32.encode(scale(s.rebindTime))]];
}

/** A subnet or pool restricted to some classes admits only their members. */
function admits(onlyClasses: readonly string[] | undefined, classes: readonly ClassModel[]): boolean {
  return onlyClasses === undefined || classes.some((c) => onlyClasses.includes(c.name));
}

function reservationMatches(r: ReservationModel, client: ClientInfo): boolean {
  return (r.hwAddress !== undefined && r.hwAddress === client.hwAddress)
    || (r.clientId !== undefined && r.clientId === client.clientId)
    || (r.circuitId !== undefined && r.circuitId === client.circuitId)
    || (r.remoteId !== undefined && r.remoteId === client.remoteId);
}
