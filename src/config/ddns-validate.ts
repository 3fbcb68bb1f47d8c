// Semantic checks of DHCP → DNS registration (dhcp.ddns, dhcp.subnets[].ddns), each
// with its JSON path and the reason:
//   - a subnet where registration is enabled has a forward zone and a server, and a
//     reverse zone (given, or derivable: /8, /16, /24) under in-addr.arpa holding the
//     subnet's addresses;
//   - a server's key names a key of dhcp.ddns.keys or dns.keys;
//   - dhcp.ddns.keys: names unique and not also in dns.keys; exactly one of secret and
//     secretFile; an inline secret strict base64 of at least MIN_TSIG_SECRET_BYTES bytes.
import { MIN_TSIG_SECRET_BYTES } from './dns-schema.js';
import type { DhcpConfig } from './dhcp-schema.js';
import type { SiteConfig } from './site-schema.js';
import { absoluteName, derivedReverseZone } from './ddns-effective.js';
import { base64Length } from './failover-validate.js';
import { jsonPath, type ConfigProblem } from './problem.js';

type Seg = string | number;

export function validateDdns(config: Pick<SiteConfig, 'dns'> & { dhcp: DhcpConfig }): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const problem = (path: Seg[], reason: string) => problems.push({ code: 'CONFIG_INVALID', path: jsonPath(['dhcp', ...path]), reason });
  const ddns = config.dhcp.ddns;
  const dnsKeys = new Set((config.dns?.keys ?? []).map((k) => absoluteName(k.name)));
  const keys = new Set<string>();
  ddns.keys.forEach((k, i) => {
    const name = absoluteName(k.name);
    if (keys.has(name)) problem(['ddns', 'keys', i, 'name'], `key ${k.name} is defined more than once`);
    else if (dnsKeys.has(name)) problem(['ddns', 'keys', i, 'name'], `key ${k.name} is also in dns.keys: define it once`);
    keys.add(name);
    if ((k.secret === undefined) === (k.secretFile === undefined)) problem(['ddns', 'keys', i], 'give exactly one of secret and secretFile');
    if (k.secret !== undefined) {
      const bytes = base64Length(k.secret);
      if (bytes === undefined) problem(['ddns', 'keys', i, 'secret'], 'not base64 (standard alphabet, padded)');
      else if (bytes < MIN_TSIG_SECRET_BYTES) problem(['ddns', 'keys', i, 'secret'], `${bytes} bytes decoded; at least ${MIN_TSIG_SECRET_BYTES} are needed`);
    }
  });
  const checkServerKey = (at: Seg[], key: string | undefined) => {
    if (key !== undefined && !keys.has(absoluteName(key)) && !dnsKeys.has(absoluteName(key))) problem([...at, 'server', 'key'], `no key named ${key} in dhcp.ddns.keys or dns.keys`);
  };
  checkServerKey(['ddns'], ddns.server?.key);

  config.dhcp.subnets.forEach((s, i) => {
    const own = s.ddns ?? {};
    const at: Seg[] = ['subnets', i, 'ddns'];
    checkServerKey(at, own.server?.key);
    if (!(own.enabled ?? ddns.enabled)) return;
    const where = s.ddns?.enabled === true ? at : ['ddns'];
    if ((own.forwardZone ?? ddns.forwardZone) === undefined) problem([...where, 'forwardZone'], `registration is enabled for subnet ${s.subnet}: name the zone its clients are registered in`);
    if ((own.server ?? ddns.server) === undefined) problem([...where, 'server'], `registration is enabled for subnet ${s.subnet}: name the server that takes the updates`);
    const given = own.reverseZone ?? ddns.reverseZone;
    const reverse = given !== undefined ? absoluteName(given) : derivedReverseZone(s.subnet);
    const reverseAt = own.reverseZone !== undefined ? [...at, 'reverseZone'] : given !== undefined ? ['ddns', 'reverseZone'] : [...at, 'reverseZone'];
    if (reverse === undefined) {
      problem(reverseAt, `${s.subnet} is not a /8, /16 or /24, so its reverse zone cannot be derived: give it`);
    } else if (!reverse.endsWith('.in-addr.arpa.')) {
      problem(reverseAt, `${given} is not an in-addr.arpa zone`);
    } else {
      const network = s.subnet.split('/')[0]!.split('.').reverse().join('.');
      const zoneOctets = reverse.slice(0, -'.in-addr.arpa.'.length).split('.');
      const prefix = Number(s.subnet.split('/')[1]);
      if (!`${network}.in-addr.arpa.`.endsWith(`.${reverse}`) && `${network}.in-addr.arpa.` !== reverse) {
        problem(reverseAt, `${reverse} does not hold the addresses of subnet ${s.subnet}`);
      } else if (zoneOctets.length * 8 > prefix) {
        problem(reverseAt, `${reverse} holds only part of subnet ${s.subnet}: give the zone of the whole subnet`);
      }
    }
  });
  return problems;
}
