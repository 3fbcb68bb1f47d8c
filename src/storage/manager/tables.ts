// The manager's tables as Kysely sees them (docs/manager.md "Storage"). One set of
// migrations (migrations.ts) makes them in SQLite and PostgreSQL alike. Addresses are
// stored as fixed-width hex keys (`*_hex`, protocol/ipam/address.ts) whose text order is
// their numeric order, so ranges are index scans in both databases; times are ms since
// the epoch; every editable row has a `version` for ETag/If-Match.
import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

/** Set by the database on insert, never written by us. */
type Id = Generated<number>;

export interface IpSpaceTable {
  id: Id;
  name: string;
  description: string;
  version: number;
  created_at: number;
  updated_at: number;
}

export interface SiteTable {
  id: Id;
  name: string;
  description: string;
  /** survivable (serves on its own through a WAN outage) or dependent (relies on the hub). */
  survivability: string;
  wan_notes: string;
  version: number;
  created_at: number;
  updated_at: number;
}

export interface SubnetTable {
  id: Id;
  space_id: number;
  /** The smallest subnet of the space that contains this one; null at the top. */
  parent_id: number | null;
  family: number;
  prefix: string;
  length: number;
  start_hex: string;
  end_hex: string;
  site_id: number | null;
  description: string;
  /** The VLAN the subnet is on (0003). */
  vlan_id: Generated<number | null>;
  version: number;
  created_at: number;
  updated_at: number;
}

/** A subnet's space no child subnet covers, as maximal aligned blocks. */
export interface FreeBlockTable {
  subnet_id: number;
  start_hex: string;
  length: number;
}

/** Ranges of a subnet: DHCP pools and exclusions. */
export interface IpRangeTable {
  id: Id;
  subnet_id: number;
  kind: string;
  start: string;
  end: string;
  start_hex: string;
  end_hex: string;
  description: string;
  /** A pool's DHCP options and classes, JSON (0003). */
  data: Generated<string | null>;
  version: number;
  created_at: number;
  updated_at: number;
}

/** Addresses in use: reservations and static assignments (never one row per possible address). */
export interface AddressTable {
  id: Id;
  space_id: number;
  subnet_id: number;
  family: number;
  address: string;
  addr_hex: string;
  kind: string;
  mac: string | null;
  client_id: string | null;
  hostname: string | null;
  dns_name: string | null;
  description: string;
  /** A reservation's DHCP options and classes, JSON (0003). */
  data: Generated<string | null>;
  version: number;
  created_at: number;
  updated_at: number;
}

/** A subnet's addresses nothing uses (not a child subnet, an address, a pool or an exclusion), as maximal ranges. */
export interface FreeRangeTable {
  subnet_id: number;
  start_hex: string;
  end_hex: string;
}

/** Answers to requests with an idempotency key: the same key and body get the same answer. */
export interface IdempotencyTable {
  scope: string;
  key: string;
  request_hash: string;
  status: number;
  response: string;
  created_at: number;
}

export interface AuditTable {
  id: Id;
  at: number;
  actor: string;
  action: string;
  object_type: string;
  object_id: string;
  before: string | null;
  after: string | null;
}

export interface AppUserTable {
  id: Id;
  name: string;
  /** scrypt$N$r$p$salt$hash (access/passwords.ts); null: the user logs in with tokens only. */
  password_hash: string | null;
  role: string;
  /** JSON array of site ids the user is limited to; null: every site. */
  sites: string | null;
  disabled: number;
  version: number;
  created_at: number;
  updated_at: number;
}

/** API tokens and login sessions: only the SHA-256 of the secret is stored. */
export interface ApiTokenTable {
  id: Id;
  user_id: number;
  name: string;
  /** token (made by an administrator) or session (a login). */
  kind: string;
  token_hash: string;
  /** read, write or admin: what the token may do at most (within its user's role). */
  scope: string;
  expires_at: number | null;
  last_used_at: number | null;
  created_at: number;
  revoked_at: number | null;
}

/**
 * A service object (0003): its references are columns, the rest of it is a JSON document
 * in `data` (manager/objects/resource.ts). Each table adds its reference columns.
 */
interface ObjectTable {
  id: Id;
  data: string;
  version: number;
  created_at: number;
  updated_at: number;
}
export interface FileSetTable extends ObjectTable { name: string }
export interface ServerTable extends ObjectTable { site_id: number; name: string; file_set_id: number | null }
export interface TwinPairTable extends ObjectTable { site_id: number; name: string; server_a_id: number; server_b_id: number }
export interface VlanTable extends ObjectTable { site_id: number | null; vid: number; name: string }
export interface OptionSetTable extends ObjectTable { name: string }
export interface ClientClassTable extends ObjectTable { name: string; option_set_id: number | null }
export interface FailoverTable extends ObjectTable { name: string; primary_server_id: number; secondary_server_id: number }
export interface DhcpScopeTable extends ObjectTable { subnet_id: number; server_id: number | null; failover_id: number | null; option_set_id: number | null }
export interface TsigKeyTable extends ObjectTable { name: string }
export interface DnsZoneTable extends ObjectTable { name: string; primary_server_id: number; transfer_key_id: number | null; update_key_id: number | null }
/** The servers holding a secondary copy of a zone (0004). */
export interface DnsZoneSecondaryTable { zone_id: number; server_id: number }
/** A manual record: owner relative to its zone ("@": the apex), type mnemonic; ttl and rdata text in `data` (0004). */
export interface DnsRecordTable extends ObjectTable { zone_id: number; name: string; type: string }

/** The config a server was last given: plan's "before". */
export interface DeployedConfigTable {
  server_id: number;
  hash: string;
  config: string;
  deployed_at: number;
}

/** One lease a site reported: lease history ("who had this address last Tuesday"). */
export interface LeaseEventTable {
  id: Id;
  site_id: number;
  server: string;
  family: number;
  address: string;
  addr_hex: string;
  state: string;
  mac: string | null;
  client_id: string | null;
  hostname: string | null;
  starts_at: number;
  ends_at: number | null;
  received_at: number;
}

/** A server's agent credential (hashed) and when it last reached the manager. */
export interface AgentLinkTable {
  server_id: number;
  token_hash: string;
  issued_at: number;
  last_contact_at: number | null;
  last_address: string | null;
}

/** Per server and outbox stream: the highest event number stored (the acknowledgement). */
export interface EventStreamTable {
  server_id: number;
  stream: string;
  acked: number;
  gaps: number;
  first_received_at: number;
  last_received_at: number;
}

/** Every event a site delivered, once. */
export interface SiteEventTable {
  id: Id;
  site_id: number;
  server_id: number;
  server: string;
  stream: string;
  seq: number;
  at: number;
  kind: string;
  data: string;
  received_at: number;
}

/** The latest lease of every address a site reported. */
export interface LeaseNowTable {
  site_id: number;
  family: number;
  addr_hex: string;
  address: string;
  server: string;
  state: string;
  mac: string | null;
  client_id: string | null;
  hostname: string | null;
  starts_at: number;
  ends_at: number;
}

/** The state a server last reported of one failover relationship or zone. */
export interface ServerReportTable {
  server_id: number;
  kind: string;
  subject: string;
  state: string;
  detail: string;
  since: number;
  received_at: number;
}

export interface UtilisationThresholdTable {
  id: Id;
  data: string;
  subnet_id: number | null;
  range_id: number | null;
  version: number;
  created_at: number;
  updated_at: number;
}

export interface ManagerTables {
  ip_space: IpSpaceTable;
  site: SiteTable;
  subnet: SubnetTable;
  free_block: FreeBlockTable;
  ip_range: IpRangeTable;
  address: AddressTable;
  free_range: FreeRangeTable;
  idempotency: IdempotencyTable;
  audit: AuditTable;
  app_user: AppUserTable;
  api_token: ApiTokenTable;
  file_set: FileSetTable;
  server: ServerTable;
  twin_pair: TwinPairTable;
  vlan: VlanTable;
  option_set: OptionSetTable;
  client_class: ClientClassTable;
  failover: FailoverTable;
  dhcp_scope: DhcpScopeTable;
  tsig_key: TsigKeyTable;
  dns_zone: DnsZoneTable;
  dns_zone_secondary: DnsZoneSecondaryTable;
  dns_record: DnsRecordTable;
  deployed_config: DeployedConfigTable;
  lease_event: LeaseEventTable;
  agent_link: AgentLinkTable;
  event_stream: EventStreamTable;
  site_event: SiteEventTable;
  lease_now: LeaseNowTable;
  server_report: ServerReportTable;
  utilisation_threshold: UtilisationThresholdTable;
}

/** The tables of service objects (manager/objects/). */
export type ObjectTableName = 'file_set' | 'server' | 'twin_pair' | 'vlan' | 'option_set' | 'client_class' | 'failover' | 'dhcp_scope' | 'tsig_key' | 'dns_zone' | 'dns_record' | 'utilisation_threshold';

export type SubnetRow = Selectable<SubnetTable>;
export type NewSubnet = Insertable<SubnetTable>;
export type SubnetUpdate = Updateable<SubnetTable>;
export type AddressRow = Selectable<AddressTable>;
export type IpRangeRow = Selectable<IpRangeTable>;
export type IpSpaceRow = Selectable<IpSpaceTable>;
export type SiteRow = Selectable<SiteTable>;
export type AuditRow = Selectable<AuditTable>;
export type AppUserRow = Selectable<AppUserTable>;
export type ApiTokenRow = Selectable<ApiTokenTable>;
