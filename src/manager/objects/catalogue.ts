// Every kind of service object (docs/manager.md "Service objects"), in the order the API
// document and the CLI list them. A new kind is declared in its own file and added here.
import type { ResourceDef } from './resource.js';
import { servers, twinPairs } from './servers.js';
import { vlans } from './vlans.js';
import { clientClasses, dhcpScopes, failovers, fileSets, optionSets } from './dhcp.js';
import { dnsRecords, dnsZones, tsigKeys } from './dns.js';
import { utilisationThresholds } from './thresholds.js';

export const OBJECT_KINDS: readonly ResourceDef[] = [servers, twinPairs, vlans, optionSets, clientClasses, failovers, dhcpScopes, fileSets, tsigKeys, dnsZones, dnsRecords, utilisationThresholds] as readonly ResourceDef[];
