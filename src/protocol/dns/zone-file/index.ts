// RFC 1035 master files (zone files): reader, writer and per-type RDATA text (docs/dns.md).
export { parseZoneFile, DEFAULT_ZONE_FILE_LIMITS, type ZoneFileLimits, type ZoneFileOptions, type ZoneFileResult } from './reader.js';
export { writeZoneFile, type ZoneWriteOptions } from './writer.js';
export { rdataFromText, rdataFromString, rdataToText, rdataKey } from './rdata-text.js';
export { ZoneLexer, type LogicalLine, type ZoneToken } from './lexer.js';
export { parseTtl } from './ttl.js';
export { typeFromText, typeToText, classFromText, classToText } from './mnemonics.js';
export {
  ZONE_PROBLEM_KINDS, ZoneFileError, ZoneTextError, formatZoneProblem,
  type SourcePosition, type ZoneProblem, type ZoneProblemKind, type ZoneProblemSeverity,
} from '../zone-problem.js';
