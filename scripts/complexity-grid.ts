/**
 * Computes the corrector-complexity grid (kind × depth × width × loss × drift magnitude on the
 * synthetic generator; src/experiments/complexity-explorer.ts) and writes it as the small JSON
 * file the repository carries, which notebook 05's explorer figure reads:
 *
 *   node --import tsx scripts/complexity-grid.ts [--out FILE]     (default results-committed/complexity/grid.json)
 *
 * Each configuration is cached under results/explore-corrector/ (as `exploreCorrector` caches it),
 * so an interrupted run resumes and a notebook's exploreCorrector call on a grid configuration
 * returns from the same cache. About 3 minutes on 2 loaded cores.
 */
import * as fs from 'fs';
import * as path from 'path';
import { initBackend } from '../src/tensor';
import { writeFileAtomic } from '../src/util/atomic';
import { InputError } from '../src/util/errors';
import { progressBar } from '../src/util/progress';
import { exploreGrid } from '../src/experiments/complexity-explorer';

export const DEFAULT_GRID_FILE = path.join('results-committed', 'complexity', 'grid.json');

/** JSON with numbers to 6 significant digits (the file stays small and its diffs readable). */
export function compactJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === 'number' && !Number.isInteger(v) ? +v.toPrecision(6) : v), 1) + '\n';
}

async function main(argv: string[]): Promise<void> {
  let out = DEFAULT_GRID_FILE;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out' && argv[i + 1]) out = argv[++i];
    else {
      console.error(`complexity-grid: unknown argument '${argv[i]}'\nusage: node --import tsx scripts/complexity-grid.ts [--out FILE]`);
      process.exit(2);
    }
  }
  await initBackend();
  const grid = await exploreGrid({ command: `node --import tsx scripts/complexity-grid.ts${out === DEFAULT_GRID_FILE ? '' : ` --out ${out}`}`, progress: progressBar() });
  fs.mkdirSync(path.dirname(out), { recursive: true });
  writeFileAtomic(out, compactJson(grid));
  console.log(`wrote ${out}: ${grid.points.length} configurations (${grid.seconds.toFixed(0)} s)`);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((e) => {
    console.error(`complexity-grid: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(e instanceof InputError ? 2 : 1);
  });
}
