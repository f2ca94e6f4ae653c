/**
 * Runs before every cluster test file (setupFilesAfterEnv): each file starts
 * on three Synced nodes, so that a file that failed with a node killed or
 * paused fails alone instead of taking the files after it down too.
 */
import { Cluster } from './cluster';

beforeAll(async () => {
  const repaired = await Cluster.fromEnvironment().repair();
  if (repaired.length > 0) console.log(`cluster repaired before this file: ${repaired.join(', ')}`);
}, 120_000);
