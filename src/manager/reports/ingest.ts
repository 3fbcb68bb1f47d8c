// The manager's end of the agents' event path (docs/agent.md "Delivery", docs/manager.md
// "Site reports"): a checked batch from an authenticated agent is stored once — every
// event it has not stored before, the stream's new acknowledgement and the projections
// (lease history and latest leases, failover and zone states) in one transaction, under
// the server's row lock, so a batch sent twice (a lost answer, two managers' retries) is
// stored once. An event of a projected kind whose data is not its kind's shape is kept as
// received and counted, not projected: nothing a site sent is lost.
import type { Clock } from '../../core/clock.js';
import { checkEventData, type EventBatch, type LeaseChangeEvent, type SiteEvent } from '../../protocol/agent/events.js';
import { ingestBatch } from '../../protocol/agent/ingest.js';
import { hexKey, parseAddress } from '../../protocol/ipam/address.js';
import type { ManagerDatabase } from '../../storage/manager/database.js';
import { ManagerError } from '../errors.js';
import { inTransaction, type Trx } from '../ipam/transaction.js';
import type { AgentIdentity } from './agent-links.js';

export interface IngestResult {
  readonly acked: number;
  readonly stored: number;
  readonly duplicates: number;
  readonly gap?: { readonly from: number; readonly to: number };
  /** Events kept but not projected: their data was not their kind's shape. */
  readonly unprojected: readonly { readonly seq: number; readonly reason: string }[];
}

/** Rows per INSERT: under SQLite's and PostgreSQL's bound-parameter limits with room to spare. */
const CHUNK = 400;

/** "aabbccddeeff" → "aa:bb:cc:dd:ee:ff", the form addresses are stored in. */
const colonHex = (hex: string) => hex.match(/../g)!.join(':');

export class EventIngest {
  constructor(private readonly m: ManagerDatabase, private readonly clock: Clock) {}

  async ingest(who: AgentIdentity, batch: EventBatch): Promise<IngestResult> {
    if (batch.site !== who.site || batch.server !== who.server) {
      throw new ManagerError('API_FORBIDDEN', 'forbidden', `this agent token is server ${who.server} of site ${who.site}, not ${batch.server} of ${batch.site}`, `server ${who.server}`, 'server');
    }
    return inTransaction(this.m, async (trx) => {
      if (this.m.dialect === 'postgres') await trx.selectFrom('agent_link').select('server_id').where('server_id', '=', who.serverId).forUpdate().execute();
      const stream = await trx.selectFrom('event_stream').select(['acked', 'gaps']).where('server_id', '=', who.serverId).where('stream', '=', batch.stream).executeTakeFirst();
      const decision = ingestBatch(stream?.acked ?? 0, batch);
      const now = this.clock.now();
      const unprojected: { seq: number; reason: string }[] = [];
      for (let i = 0; i < decision.fresh.length; i += CHUNK) {
        const chunk = decision.fresh.slice(i, i + CHUNK);
        await trx.insertInto('site_event').values(chunk.map((e) => ({
          site_id: who.siteId, server_id: who.serverId, server: who.server, stream: batch.stream, seq: e.seq, at: e.at, kind: e.kind, data: JSON.stringify(e.data), received_at: now,
        }))).execute();
        for (const e of chunk) {
          const reason = checkEventData(e.kind, e.data) ?? await this.project(trx, who, e, now);
          if (reason) unprojected.push({ seq: e.seq, reason });
        }
      }
      if (stream) {
        await trx.updateTable('event_stream').set({ acked: decision.acked, gaps: stream.gaps + (decision.gap ? 1 : 0), last_received_at: now })
          .where('server_id', '=', who.serverId).where('stream', '=', batch.stream).execute();
      } else {
        await trx.insertInto('event_stream').values({ server_id: who.serverId, stream: batch.stream, acked: decision.acked, gaps: decision.gap ? 1 : 0, first_received_at: now, last_received_at: now }).execute();
      }
      return { acked: decision.acked, stored: decision.fresh.length, duplicates: decision.duplicates, ...(decision.gap ? { gap: decision.gap } : {}), unprojected };
    });
  }

  /** Writes an event's projection; a reason when it cannot be projected. */
  private async project(trx: Trx, who: AgentIdentity, e: SiteEvent, now: number): Promise<string | undefined> {
    switch (e.kind) {
      case 'lease.change': return this.projectLease(trx, who, e.data as unknown as LeaseChangeEvent);
      case 'failover.state':
      case 'zone.state': {
        const d = e.data as { relationship?: string; zone?: string; state: string };
        const subject = (e.kind === 'failover.state' ? d.relationship : d.zone?.toLowerCase().replace(/\.$/, ''))!;
        const { state, ...rest } = e.data as Record<string, unknown>;
        const row = { state: state as string, detail: JSON.stringify(rest), since: e.at, received_at: now };
        await trx.insertInto('server_report').values({ server_id: who.serverId, kind: e.kind === 'failover.state' ? 'failover' : 'zone', subject, ...row })
          .onConflict((oc) => oc.columns(['server_id', 'kind', 'subject']).doUpdateSet(row)).execute();
        return undefined;
      }
      default: return undefined;
    }
  }

  private async projectLease(trx: Trx, who: AgentIdentity, d: LeaseChangeEvent): Promise<string | undefined> {
    const a = parseAddress(d.address);
    if (!a || a.family !== d.family) return `address: ${d.address} is not an IPv${d.family} address`;
    const row = {
      site_id: who.siteId, server: who.server, family: a.family, address: d.address, addr_hex: hexKey(a.family, a.value), state: d.state,
      mac: d.hwAddress && d.hwAddress.length === 12 ? colonHex(d.hwAddress) : null, client_id: d.clientId ?? null, hostname: d.hostname ?? null,
      starts_at: d.startedAt,
    };
    await trx.insertInto('lease_event').values({ ...row, ends_at: d.expiresAt, received_at: this.clock.now() }).execute();
    const { site_id: _s, family: _f, addr_hex: _h, ...changes } = row;
    // Partners of a failover pair both report a lease: the later state wins, whichever arrives first.
    await trx.insertInto('lease_now').values({ ...row, ends_at: d.expiresAt })
      .onConflict((oc) => oc.columns(['site_id', 'family', 'addr_hex']).doUpdateSet({ ...changes, ends_at: d.expiresAt })
        .where('lease_now.starts_at', '<=', d.startedAt)).execute();
    return undefined;
  }
}
