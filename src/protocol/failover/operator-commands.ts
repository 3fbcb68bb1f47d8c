// The operator's commands on a failover relationship (docs/failover-protocol.md): in a
// file of their own so the CLI can list them without loading the protocol.
export const OPERATOR_COMMANDS = ['maintenance', 'partner-down', 'resume'] as const;
export type OperatorCommand = (typeof OPERATOR_COMMANDS)[number];
