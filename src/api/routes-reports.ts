// What sites report and what the manager makes of it (docs/api.md "Site reports and
// alerts"): the agents' event batches in, agent tokens, alerts, utilisation, lease
// history, site events, and /metrics for Prometheus.
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { Gauge, type Registry } from 'prom-client';
import { checkBatch, EVENT_KINDS, EVENTS_PATH } from '../protocol/agent/events.js';
import { ALERT_KINDS, SEVERITIES, type AlertKind, type Severity } from '../manager/reports/alerts.js';
import { ManagerError } from '../manager/errors.js';
import type { Manager } from '../manager/manager.js';
import { createMetricsRegistry } from '../runtime/metrics.js';
import { API_PREFIX, bearer, sendError } from './server.js';
import { pageOf } from './http-helpers.js';
import * as S from './schemas.js';

const errors = { 400: S.ErrorBody, 401: S.ErrorBody, 403: S.ErrorBody, 404: S.ErrorBody, 409: S.ErrorBody, 422: S.ErrorBody };
/** An agent's batch may be as large as agent.delivery.batchBytes allows (64 MiB) and some. */
const MAX_BATCH_BYTES = 72 * 1024 * 1024;

const Alert = Type.Object({
  key: Type.String({ description: 'Stable while the condition lasts: kind/object.' }),
  kind: Type.Union(ALERT_KINDS.map((k) => Type.Literal(k))), severity: Type.Union(SEVERITIES.map((s) => Type.Literal(s))),
  siteId: S.Nullable(Type.Integer()), serverId: S.Nullable(Type.Integer()), object: Type.String(), message: Type.String(),
  since: S.Nullable(Type.Integer({ description: 'Since when the condition is known to hold (ms); null when not known.' })),
}, { title: 'Alert' });
const Thresholds = Type.Object({ warning: Type.Number(), critical: Type.Number(), from: Type.String({ description: 'own, subnet, default or built-in.' }) });
const PoolUse = Type.Object({
  rangeId: Type.Integer(), subnetId: Type.Integer(), siteId: S.Nullable(Type.Integer()), start: Type.String(), end: Type.String(), prefix: Type.String(),
  size: Type.Integer(), leased: Type.Integer({ description: 'Addresses its site reports bound now.' }), percent: Type.Number(), thresholds: Thresholds,
}, { title: 'PoolUtilisation' });
const SubnetUse = Type.Object({
  subnetId: Type.Integer(), siteId: S.Nullable(Type.Integer()), prefix: Type.String(),
  size: Type.String({ description: 'Usable addresses (decimal: an IPv6 subnet\'s does not fit a number).' }), used: Type.String(), free: Type.String(), percent: Type.Number(),
  thresholds: S.Nullable(Thresholds), pools: Type.Array(PoolUse),
}, { title: 'SubnetUtilisation' });
const LeaseRecord = Type.Object({
  id: Type.Integer(), siteId: Type.Integer(), server: Type.String(), address: Type.String(), state: Type.String(),
  mac: S.Nullable(Type.String()), clientId: S.Nullable(Type.String()), hostname: S.Nullable(Type.String()),
  startsAt: Type.Integer(), endsAt: S.Nullable(Type.Integer()), receivedAt: Type.Integer(),
}, { title: 'LeaseRecord' });
const SiteEventRecord = Type.Object({
  id: Type.Integer(), siteId: Type.Integer(), serverId: Type.Integer(), server: Type.String(), stream: Type.String(), seq: Type.Integer(), at: Type.Integer(),
  kind: Type.String(), data: Type.Unknown(), receivedAt: Type.Integer(),
}, { title: 'SiteEventRecord' });
const AgentLink = Type.Object({ serverId: Type.Integer(), issuedAt: Type.Integer(), lastContactAt: S.Nullable(Type.Integer()), lastAddress: S.Nullable(Type.String()) }, { title: 'AgentLink' });
const Time = (description: string) => Type.Optional(Type.Integer({ minimum: 0, description }));

/** The manager's own gauges, set from an alert snapshot at each scrape. */
function managerMetrics(registry: Registry) {
  const g = (name: string, help: string, labelNames: string[]) => new Gauge({ name, help, labelNames, registers: [registry] });
  return {
    alerts: g('outpost_manager_alerts', 'Alerts open now.', ['kind', 'severity']),
    poolRatio: g('outpost_manager_pool_utilisation_ratio', 'Share of a pool\'s addresses its site reports bound.', ['range_id', 'subnet', 'start', 'end', 'site_id']),
    subnetRatio: g('outpost_manager_subnet_utilisation_ratio', 'Share of a subnet\'s usable addresses in use (subnets with thresholds).', ['subnet_id', 'subnet', 'site_id']),
    failover: g('outpost_manager_failover_state', '1 for the state a server last reported of a failover relationship.', ['site', 'server', 'relationship', 'state']),
    zone: g('outpost_manager_zone_state', '1 for the state a server last reported of a zone.', ['site', 'server', 'zone', 'state']),
    contact: g('outpost_manager_agent_last_contact_timestamp_seconds', 'When a server\'s agent last reached the manager; 0: never.', ['site', 'server']),
  };
}

export async function reportRoutes(api: FastifyInstance, m: Manager): Promise<void> {
  // --- the agents' way in: their own token, not a user's ---
  api.post(EVENTS_PATH.slice(API_PREFIX.length), {
    config: { need: 'none' }, bodyLimit: MAX_BATCH_BYTES,
    schema: {
      summary: 'An agent delivers a batch of its site\'s events (docs/agent.md): stored once, answered with the acknowledgement', tags: ['agent'],
      description: 'Authorization: Bearer <the server\'s agent token>. The body is an EventBatch: { site, server, stream, events: [{ seq, at, kind, data }] }.',
      security: [{ bearer: [] }],
      response: { 200: Type.Object({ acked: Type.Integer() }), ...errors },
    },
  }, async (req, reply) => {
    const secret = bearer(req);
    const who = secret ? await m.agents.authenticate(secret, req.ip) : undefined;
    if (!who) {
      reply.header('www-authenticate', 'Bearer realm="outpost-agent"');
      return sendError(reply, 401, 'API_UNAUTHORIZED', secret ? 'the agent token is unknown or was replaced' : 'send Authorization: Bearer <agent token>');
    }
    const checked = checkBatch(req.body);
    if (!checked.ok) return sendError(reply, 400, 'API_INVALID_REQUEST', `${checked.path}: ${checked.reason}`, { field: checked.path });
    const result = await m.ingest.ingest(who, checked.batch);
    if (result.gap) req.log.warn({ code: 'MANAGER_EVENTS_GAP', server: who.server, stream: checked.batch.stream, ...result.gap }, 'events of a stream never arrived');
    if (result.unprojected.length > 0) req.log.warn({ code: 'MANAGER_EVENT_UNPROJECTED', server: who.server, count: result.unprojected.length, first: result.unprojected[0] }, 'events kept but not projected');
    return { acked: result.acked };
  });

  const ServerId = S.IdParams;
  api.post<{ Params: Static<typeof ServerId> }>('/servers/:id/agent-token', {
    config: { need: 'admin' },
    schema: {
      summary: 'Issue the server\'s agent token (shown once), replacing any earlier one', tags: ['agent'], params: ServerId,
      response: { 201: Type.Object({ serverId: Type.Integer(), token: Type.String({ description: 'Shown once: put it in the site\'s agent.tokenFile.' }), issuedAt: Type.Integer() }), ...errors },
    },
  }, async (req, reply) => reply.code(201).send(await m.agents.issue(req.principal!, req.params.id)));
  api.delete<{ Params: Static<typeof ServerId> }>('/servers/:id/agent-token', {
    config: { need: 'admin' },
    schema: { summary: 'Revoke the server\'s agent token', tags: ['agent'], params: ServerId, response: { 204: Type.Null(), ...errors } },
  }, async (req, reply) => { await m.agents.revoke(req.principal!, req.params.id); return reply.code(204).send(); });
  api.get<{ Params: Static<typeof ServerId> }>('/servers/:id/agent', {
    schema: { summary: 'The server\'s agent: when its token was issued, when and from where it last reached the manager', tags: ['agent'], params: ServerId, response: { 200: AgentLink, ...errors } },
  }, async (req) => {
    const link = await m.agents.get(req.params.id);
    if (!link) throw new ManagerError('MANAGER_NOT_FOUND', 'not-found', `server ${req.params.id} has no agent token`, `server ${req.params.id}`);
    return link;
  });

  // --- alerts and utilisation ---
  const AlertQuery = Type.Object({
    siteId: Type.Optional(Type.Integer({ minimum: 1 })),
    kind: Type.Optional(Type.Union(ALERT_KINDS.map((k) => Type.Literal(k)))),
    severity: Type.Optional(Type.Union(SEVERITIES.map((s) => Type.Literal(s)))),
  }, { additionalProperties: false });
  api.get<{ Querystring: { siteId?: number; kind?: AlertKind; severity?: Severity } }>('/alerts', {
    schema: { summary: 'Open alerts: utilisation, failover and zone states, unreachable servers and sites', tags: ['alerts'], querystring: AlertQuery, response: { 200: Type.Object({ items: Type.Array(Alert) }), ...errors } },
  }, async (req) => ({ items: await m.alerts.list(req.query) }));
  api.get<{ Params: Static<typeof S.IdParams> }>('/subnets/:id/utilisation', {
    schema: { summary: 'A subnet\'s utilisation and its pools\'', tags: ['alerts'], params: S.IdParams, response: { 200: SubnetUse, ...errors } },
  }, async (req) => {
    const u = await m.alerts.subnetUtilisation(req.params.id);
    if (!u) throw new ManagerError('MANAGER_NOT_FOUND', 'not-found', `subnet ${req.params.id} does not exist`, `subnet ${req.params.id}`);
    return u;
  });

  // --- lease history and site events ---
  const LeaseQuery = Type.Object({
    siteId: Type.Optional(Type.Integer({ minimum: 1 })), address: Type.Optional(Type.String({ maxLength: 45 })),
    mac: Type.Optional(Type.String({ maxLength: 17 })), hostname: Type.Optional(Type.String({ maxLength: 253 })),
    since: Time('Changes whose state began at or after this time (ms since the epoch).'), until: Time('Changes whose state began before this time.'),
    ...S.PageQuery,
  }, { additionalProperties: false });
  api.get<{ Querystring: Static<typeof LeaseQuery> }>('/leases/history', {
    schema: { summary: 'Lease history: every lease change the sites reported, in the order received', tags: ['leases'], querystring: LeaseQuery, response: { 200: S.PageOf(LeaseRecord, 'LeaseRecord'), ...errors } },
  }, (req) => {
    const { after, limit, ...f } = req.query;
    return m.history.leases(f, pageOf({ after, limit }));
  });
  const HolderQuery = Type.Object({
    address: Type.String({ maxLength: 45 }), at: Type.Integer({ minimum: 0, description: 'The time (ms since the epoch).' }), siteId: Type.Optional(Type.Integer({ minimum: 1 })),
  }, { additionalProperties: false });
  api.get<{ Querystring: Static<typeof HolderQuery> }>('/leases/holders', {
    schema: {
      summary: 'Who held an address at a time: per site, the lease change in force then and whether it was a binding', tags: ['leases'], querystring: HolderQuery,
      response: { 200: Type.Object({ items: Type.Array(Type.Object({ siteId: Type.Integer(), held: Type.Boolean(), lease: LeaseRecord })) }), ...errors },
    },
  }, async (req) => ({ items: await m.history.holders(req.query.address, req.query.at, req.query.siteId) }));
  const EventQuery = Type.Object({
    siteId: Type.Optional(Type.Integer({ minimum: 1 })), serverId: Type.Optional(Type.Integer({ minimum: 1 })),
    kind: Type.Optional(Type.Union(Object.keys(EVENT_KINDS).map((k) => Type.Literal(k)))), ...S.PageQuery,
  }, { additionalProperties: false });
  api.get<{ Querystring: Static<typeof EventQuery> }>('/site-events', {
    schema: { summary: 'Every event the sites delivered, once each, in the order stored', tags: ['agent'], querystring: EventQuery, response: { 200: S.PageOf(SiteEventRecord, 'SiteEventRecord'), ...errors } },
  }, (req) => {
    const { after, limit, ...f } = req.query;
    return m.history.events(f, pageOf({ after, limit }));
  });
}

/** GET /metrics: the manager's gauges (alerts, utilisation, reported states, agent contact) and the process's. Needs a reading token. */
export async function metricsRoute(app: FastifyInstance, m: Manager): Promise<void> {
  const registry = createMetricsRegistry();
  const g = managerMetrics(registry);
  app.get('/metrics', {
    schema: { summary: 'Prometheus metrics (text exposition format)', tags: ['meta'], response: { 200: Type.String(), 401: S.ErrorBody, 403: S.ErrorBody } },
  }, async (_req, reply: FastifyReply) => {
    const snap = await m.alerts.snapshot();
    for (const gauge of Object.values(g)) gauge.reset();
    for (const kind of ALERT_KINDS) for (const severity of SEVERITIES) g.alerts.set({ kind, severity }, snap.alerts.filter((a) => a.kind === kind && a.severity === severity).length);
    for (const p of snap.pools) g.poolRatio.set({ range_id: p.rangeId, subnet: p.prefix, start: p.start, end: p.end, site_id: p.siteId ?? '' }, p.percent / 100);
    for (const s of snap.subnets) g.subnetRatio.set({ subnet_id: s.subnetId, subnet: s.prefix, site_id: s.siteId ?? '' }, s.percent / 100);
    for (const r of snap.reports) (r.kind === 'failover' ? g.failover : g.zone).set({ site: r.site, server: r.server, [r.kind === 'failover' ? 'relationship' : 'zone']: r.subject, state: r.state }, 1);
    for (const a of snap.agents) g.contact.set({ site: a.site, server: a.server }, a.lastContactAt === null ? 0 : a.lastContactAt / 1000);
    return reply.type(registry.contentType).send(await registry.metrics());
  });
}
