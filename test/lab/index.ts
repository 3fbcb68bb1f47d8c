// The network lab: real programs in network namespaces, for tests and benchmarks.
// See docs/lab.md.
export { LAB_RANGES, LabAddressError, addressOf, assertLabAddress, isLabAddress } from './addresses.js';
export { labUnavailableReason, missingPrograms } from './availability.js';
export { LabCommandError } from './command.js';
export { Lab, withLab, type LabBridge, type LabOptions, type LinkOptions } from './lab.js';
export { LAB_PREFIX } from './names.js';
export { netemMechanism, type NetemOptions } from './netem.js';
export { Netns, type WaitForPortOptions } from './netns.js';
export { LabProcess, LabTimeoutError, type ExitStatus, type RunOptions, type RunResult, type SpawnOptions } from './process.js';
export { vlanMechanism, type LabVlan, type VlanOptions } from './vlan.js';
export { listLabNamespaces, sweepDeadLabs, type SweepReport } from './sweep.js';
