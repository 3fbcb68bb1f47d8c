// The captured TFTP packets of test/fixtures/tftp/ (written by test/lab/tools/capture-tftp.ts).
import { join } from 'node:path';
import { hexFixtures, type HexFixture } from './hex-fixtures.js';
import { repoRoot } from './paths.js';

export const tftpFixtureDir = join(repoRoot, 'test', 'fixtures', 'tftp');

export const tftpFixtures = (): HexFixture[] => hexFixtures(tftpFixtureDir);
