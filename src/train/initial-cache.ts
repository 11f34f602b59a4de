/**
 * A cache built by `build-cache` as a run's initial (stale) cache: `train --cache caches/x` instead
 * of encoding the corpus again. The cache must hold the run's corpus row for row, and have been
 * built by the run's initial target encoder (the zero-shot encoder, by default): anything else is
 * refused in one line unless `allowMismatch`.
 */
import { InputError } from '../util/errors';
import { openCache } from '../cache/reader';
import { checkCacheEncoder, type ExpectedEncoder } from '../cache/encoder-match';

/** Reads the whole cache in `dir` after checking it against the run's corpus ids and target encoder. */
export async function readInitialCache(dir: string, corpusIds: readonly string[], expected: ExpectedEncoder & { dim: number }, allowMismatch?: boolean): Promise<Float32Array> {
  const cache = await openCache(dir);
  try {
    checkCacheEncoder(dir, cache.manifest.encoder, expected, allowMismatch);
    if (cache.dim !== expected.dim) throw new InputError(`${dir}: cache dimension ${cache.dim}, but the run's target encoder gives ${expected.dim}`);
    if (cache.rows !== corpusIds.length) throw new InputError(`${dir}: cache has ${cache.rows} rows, but the dataset's corpus has ${corpusIds.length} passages`);
    const ids = cache.ids;
    for (let r = 0; r < ids.length; r++) {
      if (ids[r] !== corpusIds[r]) throw new InputError(`${dir}: row ${r} is passage ${JSON.stringify(ids[r])}, but the corpus has ${JSON.stringify(corpusIds[r])} there (built from another corpus or order?)`);
    }
    return cache.read(0, cache.rows);
  } finally {
    cache.close();
  }
}
