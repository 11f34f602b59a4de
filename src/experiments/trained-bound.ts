/**
 * The generalization bound of a trained corrector (docs/theory.md), estimated on the pairs it was
 * trained to produce: the stale cache its run started from (the initial target encoder's) against
 * the fresh cache of the run's own final target encoder, with the run's final query encoder on the
 * dev queries for the logit rows. `freshcache bound --run runs/<experiment>/<corrector run>` runs
 * it; the caches are built once beside the run and reused.
 *
 *   stale   runs/<experiment>/initial-cache-s<seed> (the experiment's shared cache), else
 *           <run>/initial-target-cache built by the run's untrained encoders
 *   fresh   <run>/final-target-cache: the corpus by the final target encoder
 *   queries <run>/final-query-cache: the dev queries by the final query encoder
 */
import * as fs from 'fs';
import * as path from 'path';
import { InputError } from '../util/errors';
import type { ProgressFn } from '../util/progress';
import { disposeEncoderPair } from '../encoders/types';
import { MANIFEST_FILE } from '../cache';
import type { Glove } from '../data/glove';
import type { TrainConfig } from '../train/config';
import { loadTrainData } from '../train/data';
import { encoderFactory } from '../train/encoders';
import { estimateBoundFromCaches, type BoundEstimate, type BoundFromCachesOptions } from '../theory';
import { corpusCacheOnDisk, trainedTargetCache } from './corpus-cache';

export interface TrainedBoundOptions extends Omit<BoundFromCachesOptions, 'correctorDir' | 'staleDir' | 'freshDir' | 'queriesDir'> {
  /** A finished corrector run: runs/<experiment>/<label>-s<seed>. */
  runDir: string;
  glove?: Glove;
  progress?: ProgressFn;
  signal?: AbortSignal;
}

/** The bound of the run's corrector on its own stale and fresh caches; returns the estimate and the caches it used. */
export async function trainedCorrectorBound(o: TrainedBoundOptions): Promise<{ estimate: BoundEstimate; staleDir: string; freshDir: string; queriesDir: string; step: number }> {
  const cfgFile = path.join(o.runDir, 'config.json');
  const correctorDir = path.join(o.runDir, 'corrector');
  if (!fs.existsSync(cfgFile)) throw new InputError(`${o.runDir}: no config.json of a trained run`);
  if (!fs.existsSync(correctorDir)) throw new InputError(`${o.runDir}: no corrector/ (a finished run of a strategy with a corrector saves one)`);
  const cfg = JSON.parse(fs.readFileSync(cfgFile, 'utf8')) as TrainConfig;
  const data = await loadTrainData(cfg.dataset, [cfg.trainSplit, cfg.devSplit], { progress: o.progress, signal: o.signal });
  let staleDir = path.join(path.dirname(o.runDir), `initial-cache-s${cfg.seed}`);
  if (!fs.existsSync(path.join(staleDir, MANIFEST_FILE))) {
    staleDir = path.join(o.runDir, 'initial-target-cache');
    const enc = await encoderFactory(cfg.encoder, data, cfg.seed, o.glove)();
    try {
      await corpusCacheOnDisk(staleDir, data, enc.target, o);
    } finally {
      disposeEncoderPair(enc);
    }
  }
  const dev = data.splits[cfg.devSplit];
  const queriesDir = path.join(o.runDir, 'final-query-cache');
  const fresh = await trainedTargetCache({ runDir: o.runDir, cacheDir: path.join(o.runDir, 'final-target-cache'), data, queries: { dir: queriesDir, ids: dev.queryIds, texts: dev.queryTexts }, glove: o.glove, progress: o.progress, signal: o.signal });
  const estimate = await estimateBoundFromCaches({ ...o, correctorDir, staleDir, freshDir: fresh.dir, queriesDir });
  return { estimate, staleDir, freshDir: fresh.dir, queriesDir, step: fresh.step };
}
