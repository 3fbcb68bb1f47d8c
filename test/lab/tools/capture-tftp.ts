// Captures real TFTP traffic for the codec's fixtures (test/fixtures/tftp/): in.tftpd
// (tftpd-hpa) serves a temp dir at 192.0.2.1:69 in a "server" namespace; tftp
// (tftp-hpa) and atftp run one command after another in a "client" namespace joined to
// it by a veth pair, with and without options; tcpdump records each run on the
// server's end. The first packets of each run are written as hex files with a header
// naming their origin; test/fixtures/tftp/README.md lists the runs.
//
//   node dist/test/lab/tools/capture-tftp.js [--out DIR]     (root; lab packages
//   tftp-hpa, atftp, tftpd-hpa, tcpdump; default DIR test/fixtures/tftp)
//
// The lab removes namespaces, processes and temp dirs, pass or fail.
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withLab, type Netns } from '../index.js';
import { repoRoot } from '../../support/paths.js';
import { hexLines, pkgVersion } from './fixture-text.js';
import { readPcapUdp, type UdpDatagram } from './pcap.js';

const SERVER = '192.0.2.1';
const CLIENT = '192.0.2.2';
/** Packets kept per run: the request, the answer, the client's reply and one more. */
const MAX_PER_RUN = 4;
const OPCODES = ['', 'rrq', 'wrq', 'data', 'ack', 'error', 'oack'];

interface Run {
  /** File name prefix: client and step. */
  readonly name: string;
  /** Program and Debian package version, for the header. */
  readonly origin: string;
  /** Command line run in the client namespace (in the temp dir). */
  readonly argv: readonly string[];
}

function runs(): Run[] {
  const hpa = `tftp (tftp-hpa ${pkgVersion('tftp-hpa')})`;
  const atftp = `atftp (atftp ${pkgVersion('atftp')})`;
  return [
    { name: 'tftp-hpa-01-get-octet', origin: hpa, argv: ['tftp', '-m', 'octet', SERVER, '-c', 'get', 'SEP001122334455.cnf.xml', 'out-1'] },
    { name: 'tftp-hpa-02-get-netascii', origin: hpa, argv: ['tftp', SERVER, '-c', 'get', 'SEP001122334455.cnf.xml', 'out-2'] },
    { name: 'tftp-hpa-03-get-missing', origin: hpa, argv: ['tftp', '-m', 'octet', SERVER, '-c', 'get', 'firmware/missing.loads', 'out-3'] },
    { name: 'tftp-hpa-04-put', origin: hpa, argv: ['tftp', '-m', 'octet', SERVER, '-c', 'put', 'backup.cfg', 'backup/SEP001122334455.cfg'] },
    { name: 'atftp-05-get', origin: atftp, argv: ['atftp', '-g', '-r', 'SEP001122334455.cnf.xml', '-l', 'out-5', SERVER] },
    {
      name: 'atftp-06-get-options', origin: atftp,
      argv: ['atftp', '--option', 'blksize 1428', '--option', 'tsize 0', '--option', 'timeout 2', '-g', '-r', 'firmware/SIP88xx.loads', '-l', 'out-6', SERVER],
    },
    {
      name: 'atftp-07-get-windowsize', origin: atftp,
      argv: ['atftp', '--option', 'blksize 1024', '--option', 'windowsize 8', '-g', '-r', 'firmware/SIP88xx.loads', '-l', 'out-7', SERVER],
    },
    { name: 'atftp-08-put-options', origin: atftp, argv: ['atftp', '--option', 'blksize 512', '--option', 'tsize 20', '-p', '-l', 'backup.cfg', '-r', 'backup/SEP665544332211.cfg', SERVER] },
  ];
}

async function captureRun(server: Netns, client: Netns, serverIf: string, dir: string, run: Run): Promise<UdpDatagram[]> {
  const pcap = join(dir, `${run.name}.pcap`);
  const dump = server.spawn('tcpdump', ['-i', serverIf, '-n', '-U', '--immediate-mode', '-s', '0', '-w', pcap, 'udp']);
  await dump.waitForLine(/listening on/, 10_000);
  const r = await client.run(run.argv[0]!, run.argv.slice(1), { timeoutMs: 20_000, cwd: dir });
  console.log(`--- ${run.name}: exit ${r.code}${r.timedOut ? ' (timed out)' : ''}\n${(r.stdout + r.stderr).trim().split('\n').slice(-6).join('\n')}`);
  await new Promise((res) => setTimeout(res, 500));
  await dump.stop();
  return readPcapUdp(readFileSync(pcap));
}

async function main(): Promise<void> {
  const outIdx = process.argv.indexOf('--out');
  const out = outIdx > 0 ? process.argv[outIdx + 1]! : join(repoRoot, 'test', 'fixtures', 'tftp');
  const tftpd = `in.tftpd (tftpd-hpa ${pkgVersion('tftpd-hpa')})`;
  const tcpdump = `tcpdump ${pkgVersion('tcpdump')}`;
  const date = new Date().toISOString().slice(0, 10);
  const written: string[] = [];
  await withLab({ tag: 'captftp' }, async (lab) => {
    const server = await lab.namespace('server');
    const client = await lab.namespace('client');
    const ends = await lab.link(server, client, { a: `${SERVER}/24`, b: `${CLIENT}/24` });
    const dir = await lab.tempDir();
    const root = join(dir, 'root');
    mkdirSync(join(root, 'firmware'), { recursive: true });
    mkdirSync(join(root, 'backup'), { recursive: true });
    writeFileSync(join(root, 'SEP001122334455.cnf.xml'), '<device>\n  <loadInformation>SIP88xx</loadInformation>\n</device>\n');
    writeFileSync(join(root, 'firmware', 'SIP88xx.loads'), 'SIP88xx firmware image (capture stand-in)\n');
    writeFileSync(join(dir, 'backup.cfg'), 'ringtone=chime\nvolume=5\n');
    const daemon = server.spawn('in.tftpd', ['-L', '-a', `${SERVER}:69`, '-s', '-c', '-p', '-u', 'root', root]);
    await server.waitForPort(69, { proto: 'udp' });

    mkdirSync(out, { recursive: true });
    for (const f of readdirSync(out)) if (f.endsWith('.hex')) rmSync(join(out, f));
    for (const run of runs()) {
      const grams = (await captureRun(server, client, ends.a, dir, run)).filter((g) => g.payload.length >= 2);
      let n = 0;
      for (const g of grams.slice(0, MAX_PER_RUN)) {
        n++;
        const fromServer = g.src === SERVER;
        const op = OPCODES[g.payload.readUInt16BE(0)] ?? `op${g.payload.readUInt16BE(0)}`;
        const file = `${run.name}-${n}-${fromServer ? 'tftpd-' : ''}${op}.hex`;
        const who = fromServer ? `sent by ${tftpd} to ${run.origin}` : `sent by ${run.origin} to ${tftpd}`;
        const header = [
          `# TFTP ${op.toUpperCase()} ${who}`,
          `# ${g.src}:${g.sport} -> ${g.dst}:${g.dport}, ${g.payload.length} bytes (UDP payload), captured ${date} on Debian 12`,
          `# with ${tcpdump} on the server's end of a veth pair between two network namespaces (192.0.2.0/24)`,
          `# by test/lab/tools/capture-tftp.ts. Command: ${run.argv.join(' ').replace(SERVER, 'SERVER')}`,
        ];
        writeFileSync(join(out, file), `${header.join('\n')}\n${hexLines(g.payload)}\n`);
        written.push(file);
      }
      if (n === 0) console.log(`!!! ${run.name}: no TFTP packets captured`);
    }
    await daemon.stop();
  });
  console.log(`wrote ${written.length} fixtures to ${out}:\n${written.join('\n')}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
