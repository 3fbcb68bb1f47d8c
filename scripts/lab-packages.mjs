// The Debian packages of the lab tier (real third-party peers), and how to get them.
import { spawnSync } from 'node:child_process';
import { existsSync, unlinkSync, writeFileSync } from 'node:fs';

export const LAB_PACKAGES = [
  'iproute2', 'procps', 'python3', 'curl',
  'kea-dhcp4-server', 'kea-ctrl-agent', 'kea-admin', 'isc-dhcp-client', 'dhcpcd-base', 'udhcpc', 'isc-dhcp-relay', 'tcpdump',
  'knot', 'knot-dnsutils', 'nsd', 'bind9', 'bind9-dnsutils', 'dnsperf',
  'tftp-hpa', 'atftp', 'tftpd-hpa', 'nginx', 'nghttp2-client',
  'postgresql',
];

export function missingLabPackages() {
  return LAB_PACKAGES.filter((p) => {
    const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', p], { encoding: 'utf8' });
    return r.status !== 0 || !r.stdout.includes('install ok installed');
  });
}

export const isRoot = () => process.getuid?.() === 0;
export const isDebian = () => existsSync('/etc/debian_version') && existsSync('/usr/bin/apt-get');

/**
 * Installs the missing lab packages with apt-get. Their daemons (named, knotd, nsd,
 * kea) must not start and take port 53 or 67 on the host: a temporary policy-rc.d
 * tells Debian's maintainer scripts not to start services, unless one is already there.
 */
export function installLabPackages(packages) {
  const policy = '/usr/sbin/policy-rc.d';
  const ours = !existsSync(policy);
  if (ours) writeFileSync(policy, '#!/bin/sh\n# written by outpost npm test while it installs lab packages\nexit 101\n', { mode: 0o755 });
  try {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const opts = { stdio: ['ignore', 'inherit', 'inherit'], env };
    const update = spawnSync('apt-get', ['update', '-qq'], opts);
    if (update.status !== 0) return false;
    const install = spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], opts);
    return install.status === 0;
  } finally {
    if (ours) unlinkSync(policy);
  }
}
