// The one registry of Outpost's error and event codes. Every code that appears in a
// log line or an error is declared here once, with its level and meaning, and is
// documented in docs/codes.md (a unit test keeps the two in step). Codes are never
// reused: retire one by marking it, never by giving its name a new meaning.

export type CodeLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug';

export interface CodeInfo {
  readonly level: CodeLevel;
  readonly summary: string;
}

export const codes = {
  CONFIG_UNREADABLE: { level: 'error', summary: 'The config file could not be read (missing, unreadable or not a regular file).' },
  CONFIG_SYNTAX: { level: 'error', summary: 'The config file is not well-formed JSON (comments allowed); the message gives line, column and reason.' },
  CONFIG_INVALID: { level: 'error', summary: 'The config does not satisfy the site config schema; each error names its JSON path and the reason.' },
  CONFIG_VERSION_UNSUPPORTED: { level: 'error', summary: 'The config declares a schema version this build does not understand.' },
  CONFIG_LOADED: { level: 'info', summary: 'A config was validated, completed with defaults and frozen; carries its content hash.' },
  SITE_STARTING: { level: 'info', summary: 'The site daemon is starting its enabled services.' },
  SITE_READY: { level: 'info', summary: 'Every enabled service of the site daemon is running.' },
  SITE_STOPPING: { level: 'info', summary: 'The site daemon is stopping its services (signal or failure); carries the cause.' },
  SITE_STOPPED: { level: 'info', summary: 'The site daemon stopped every service and is about to exit.' },
  SITE_STOP_DEADLINE: { level: 'error', summary: 'A service did not stop within the stop deadline; the daemon exits anyway.' },
  SITE_SERVICE_FAILED: { level: 'error', summary: 'A service failed to start or failed while running; the daemon stops.' },
  SITE_TRANSITION: { level: 'debug', summary: 'The site daemon lifecycle moved from one state to another; carries from, to and cause.' },
  SITE_UNCAUGHT: { level: 'fatal', summary: 'An exception escaped every handler; the daemon stops so a supervisor can restart it.' },
  DHCP_LISTENING: { level: 'info', summary: 'The DHCPv4 service is receiving on its port; carries the port and the interfaces served.' },
  DHCP_DROPPED: { level: 'warn', summary: 'A DHCPv4 datagram was dropped: undecodable or refused by the engine; carries the reason (rate-limited log line).' },
  DHCP_SEND_FAILED: { level: 'warn', summary: 'A DHCPv4 reply could not be handed to the kernel (rate-limited log line).' },
  DHCP_LEASE_TRANSITION: { level: 'debug', summary: 'A lease binding changed state; carries address, client, from, to, event and cause.' },
  DHCP_PING_CONFLICT: { level: 'warn', summary: 'An address answered the ping before offer: it is quarantined for the decline probation time and another is offered; carries the address (rate-limited log line).' },
  DHCP_PING_UNAVAILABLE: { level: 'warn', summary: 'Ping before offer is configured but no ICMP socket could be opened (needs CAP_NET_RAW or net.ipv4.ping_group_range); addresses are offered without the check, counted as result "unknown".' },
  DHCP_RECLAIMED: { level: 'info', summary: 'Expired leases and ended quarantines were reclaimed; carries how many.' },
  DHCP_LEASE_INVALID: { level: 'error', summary: 'A lease given to a lease store is malformed (a field out of range, an oversized string, or state offered); the commit is refused and nothing is written.' },
  DHCP_LEASE_STORE_CLOSED: { level: 'error', summary: 'A lease was committed or removed after its lease store was closed; the call is refused.' },
  DHCP_JOURNAL_OPENED: { level: 'info', summary: 'The lease journal was recovered and accepts commits; carries the directory, leases, files and bytes read, and milliseconds.' },
  DHCP_JOURNAL_TRUNCATED: { level: 'warn', summary: 'A torn tail (the unfinished, never acknowledged last write of a crash) was cut off the newest lease journal; carries file, offset, bytes and records dropped.' },
  DHCP_JOURNAL_CORRUPT: { level: 'error', summary: 'A lease journal or snapshot is damaged before its end (not a torn tail); the store refuses to start; the message names the file, offset and reason.' },
  DHCP_JOURNAL_UNSUPPORTED: { level: 'error', summary: 'A lease file was written in a format version this build cannot read; the store refuses to start.' },
  DHCP_JOURNAL_SALVAGED: { level: 'warn', summary: 'Salvage mode skipped a damaged region of a lease file (its leases are lost); carries file, offset, bytes and reason; the damaged file is kept aside.' },
  DHCP_JOURNAL_FAILED: { level: 'error', summary: 'A write or fdatasync of the lease journal failed; commits not yet durable are rejected and the store refuses further commits until restarted.' },
  DHCP_JOURNAL_COMPACTION_STARTED: { level: 'debug', summary: 'Compaction of the lease journal began: a new journal generation and a snapshot of every lease are being written.' },
  DHCP_JOURNAL_COMPACTED: { level: 'info', summary: 'A lease snapshot was installed and the journals it covers removed; carries generation, leases, bytes and milliseconds.' },
  DHCP_JOURNAL_COMPACTION_FAILED: { level: 'warn', summary: 'Compaction of the lease journal failed; no lease is lost (the journals are kept) and it is retried once the journal has grown again.' },
  DHCP_JOURNAL_LEFTOVER_REMOVED: { level: 'info', summary: 'At open, files left by an interrupted compaction (an unfinished snapshot, journals a snapshot covers) were removed.' },
  DHCP_JOURNAL_LOCKED: { level: 'error', summary: 'The lease journal directory is locked by another running process (one server per lease directory); this store does not open.' },
  DHCP_JOURNAL_UNAVAILABLE: { level: 'error', summary: 'The lease journal directory or one of its files cannot be created, read or written (not a directory, permissions, disk full); the store does not open.' },
  FAILOVER_SPLIT_SCOPE_OVERSUBSCRIBED: { level: 'warn', summary: 'Config warning: in a split-scope relationship this server owns only part of a subnet\'s pool addresses, so with the partner down its share serves all the pool\'s clients; carries the path and the figures.' },
  FAILOVER_MANY_TO_ONE_RATIO: { level: 'warn', summary: 'Config warning: this server is standby in more than 5 hot-standby relationships; when several primaries fail together it serves all their clients alone.' },
  FAILOVER_STANDBY_RESERVE_SMALL: { level: 'warn', summary: 'Config warning: in a hot-standby relationship the standby owns fewer than 8 addresses of a pool for new clients while it serves alone (standbyReserve too small for the pool).' },
  FAILOVER_LISTENING: { level: 'info', summary: 'The failover listener is accepting partner connections; carries address, port and the relationships.' },
  FAILOVER_LISTEN_FAILED: { level: 'error', summary: 'The failover listener could not bind its address and port; the site daemon does not start.' },
  FAILOVER_KEY_UNREADABLE: { level: 'error', summary: 'A relationship\'s pre-shared key could not be read from its keyFile or is not base64 of at least 32 bytes; the site daemon does not start (the key itself is never logged).' },
  FAILOVER_NOT_BOUND: { level: 'error', summary: 'A failover relationship has no lease store to replicate (the DHCP service is disabled); the site daemon does not start.' },
  FAILOVER_CONNECTED: { level: 'info', summary: 'An authenticated connection to a failover partner is up; carries relationship, partner and remote address.' },
  FAILOVER_DISCONNECTED: { level: 'warn', summary: 'The connection to a failover partner ended; carries relationship and reason (closed, heartbeats missed, update timeout, bad frame, …).' },
  FAILOVER_REFUSED: { level: 'error', summary: 'A failover handshake was refused, by us or by the partner: unknown relationship, config hash mismatch, clock skew, wrong key (rate-limited log line).' },
  FAILOVER_CONNECTION_DROPPED: { level: 'warn', summary: 'A connection on the failover port was dropped for malformed or unauthenticated traffic or a handshake that never finished; nothing from it was applied (rate-limited log line).' },
  FAILOVER_STATE: { level: 'info', summary: 'A failover relationship changed state; carries relationship, from, to, partner state, event and cause.' },
  FAILOVER_TERMINATED: { level: 'error', summary: 'A failover partner was refused as incompatible (config hash, clock skew, version): the relationship is terminated and serves as if out of contact until fixed.' },
  FAILOVER_RESYNC_DONE: { level: 'info', summary: 'This server pulled every subnet of a relationship from its partner; carries subnets, records received and applied, and milliseconds.' },
  FAILOVER_UPDATE_REJECTED: { level: 'warn', summary: 'The partner refused a binding update because it holds a newer record of the address; the client got no ACK and the newer record was taken.' },
  FAILOVER_STORE_FAILED: { level: 'error', summary: 'Records from the partner could not be made durable here; the connection is dropped so the partner keeps them pending.' },
  FAILOVER_COMMAND: { level: 'info', summary: 'An operator command (maintenance, partner-down, resume) was given for a relationship; carries the state before and after.' },
  DNS_ZONE_FILE_INVALID: { level: 'error', summary: 'A DNS zone file was refused: syntax, record data, $INCLUDE or size limits; every problem names its file, line and reason (docs/dns.md lists the kinds).' },
  DNS_ZONE_INVALID: { level: 'error', summary: 'A DNS zone breaks a content rule (one SOA at the apex, apex NS, CNAME and DNAME exclusivity, out-of-zone data, missing glue, TTL range); each problem names the owner, type, reason and, when known, file and line.' },
  DNS_ZONE_WARNING: { level: 'warn', summary: 'A DNS zone or zone file was accepted with something probably not meant (TTL taken from the SOA or the previous record, duplicate records collapsed, differing TTLs in an RRset, occluded data); carries owner, type, reason and file and line when known.' },
  DNS_LISTENING: { level: 'info', summary: 'The DNS service answers on its addresses (UDP and TCP); carries the bound ports and each zone served with its serial and record count.' },
  DNS_DROPPED: { level: 'warn', summary: 'A DNS message was not answered normally: undecodable (answered FORMERR when its header was readable), a TCP connection refused or closed (connection limit, idle, error), an internal error, or a NOTIFY that could not be sent or whose response could not be decoded; carries the reason (rate-limited log line).' },
  DNS_ZONE_LOADED: { level: 'info', summary: 'A zone was read, validated and is served; carries the zone, file, serial and record count.' },
  DNS_DATA_DIR_LOCKED: { level: 'error', summary: 'The DNS data directory (dns.dataDir) is locked by another running process (one server per data directory); the DNS service does not start.' },
  DNS_RELOAD_REQUESTED: { level: 'info', summary: 'Primary zone files are read again: carries the cause (SIGHUP or the status port command) and the zones.' },
  DNS_ZONE_RELOADED: { level: 'info', summary: 'A primary zone file was read again with a newer serial and the new version is served; carries zone, serials before and after, records, the records deleted and added, and the IXFR versions kept.' },
  DNS_ZONE_UNCHANGED: { level: 'debug', summary: 'A primary zone file read again holds the same zone as before (same serial, same records); nothing changed.' },
  DNS_ZONE_SERIAL_NOT_INCREASED: { level: 'error', summary: 'A primary zone file read again has different records but a serial that is not newer (RFC 1982); secondaries would never fetch it, so the old version keeps being served. Raise the serial and reload.' },
  DNS_JOURNAL_TRUNCATED: { level: 'warn', summary: 'A damaged tail of a zone\'s IXFR journal (a write cut short by a crash) was cut off at the last good version; carries zone, file, bytes dropped and reason.' },
  DNS_JOURNAL_RESET: { level: 'warn', summary: 'A zone\'s IXFR journal was emptied because it does not end at the zone as read from its file (changed while the server was down) or cannot be read; secondaries at older serials get the whole zone (AXFR) until the next change.' },
  DNS_JOURNAL_FAILED: { level: 'error', summary: 'Writing a zone\'s IXFR journal failed (disk full, I/O error); the new version is served, the journal is emptied and older serials get the whole zone (AXFR).' },
  DNS_TRANSFER_OUT: { level: 'info', summary: 'A zone transfer was served (AXFR, or IXFR incremental, AXFR-style or up to date); carries zone, client, type, result, serials and records.' },
  DNS_TRANSFER_REFUSED: { level: 'warn', summary: 'A zone transfer request was refused: not allowed by allowTransfer (REFUSED), not a zone apex of ours (NOTAUTH), malformed (FORMERR) or expired (SERVFAIL); carries zone, client, type and result (rate-limited log line).' },
  DNS_NOTIFY_SENT: { level: 'info', summary: 'NOTIFY (RFC 1996) messages were sent for a zone; carries zone, serial and the servers.' },
  DNS_NOTIFY_ENDED: { level: 'info', summary: 'A NOTIFY to one server ended without trouble: acknowledged, superseded by a newer one or stopped with the service; carries zone, serial, server, result, tries and cause.' },
  DNS_NOTIFY_FAILED: { level: 'warn', summary: 'A NOTIFY to one server failed: no response after every try, or a response with an error RCODE (refused); the secondary still finds the change at its next SOA refresh. Carries zone, serial, server, result, tries and cause.' },
  DNS_NOTIFY_TRANSITION: { level: 'debug', summary: 'A NOTIFY to one server changed state (notify-states.ts): carries zone, serial, server, from, to, event, tries and cause.' },
  STATUS_LISTENING: { level: 'info', summary: 'The status endpoint (/healthz, /metrics) is listening; carries its URL.' },
  STATUS_LISTEN_FAILED: { level: 'error', summary: 'The status endpoint could not bind its address and port.' },
  STATUS_REQUEST_FAILED: { level: 'warn', summary: 'A status request could not be answered (rate-limited log line).' },
  STATUS_UNAUTHORIZED: { level: 'warn', summary: 'An operator command on the status port (POST) came without the control token or with a wrong one and was refused with 401; carries path, remote address and reason, never a token (rate-limited log line).' },
  STATUS_CONTROL_TOKEN_FAILED: { level: 'error', summary: 'The control token file (control.token in the DHCP lease directory, or the DNS data directory on a server without DHCP) could not be written; the site daemon does not start.' },
} as const satisfies Record<string, CodeInfo>;

export type Code = keyof typeof codes;

export function isCode(name: string): name is Code {
  return Object.prototype.hasOwnProperty.call(codes, name);
}
