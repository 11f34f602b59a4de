/**
 * Builds the WordNet word-sense retrieval task (BEIR layout) and prints its statistics.
 *
 *   npx tsx data-scripts/build-wordnet-task.ts [--out data/wordnet] [--mask] [--seed 13]
 */
import { buildWordnetTask, formatTaskStats, taskStats } from '../src/data/wordnet';
import { progressBar } from '../src/util/progress';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const flag = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const maskLemmas = args.includes('--mask');
  const outDir = flag('--out') ?? (maskLemmas ? 'data/wordnet-masked' : 'data/wordnet');
  const seed = flag('--seed') !== undefined ? Number(flag('--seed')) : 13;
  const t0 = Date.now();
  const m = await buildWordnetTask({ outDir, maskLemmas, seed, progress: progressBar() });
  console.log(`built ${outDir} in ${((Date.now() - t0) / 1000).toFixed(1)}s: ${JSON.stringify({ counts: m.counts, splitSynsets: m.extra.splitSynsets })}`);
  console.log(formatTaskStats(await taskStats(outDir)));
}

main().catch((e) => {
  console.error(`error: ${e instanceof Error ? e.message : e}`);
  process.exit(1);
});
