/**
 * Laptop-size slices of a big dataset in the same canonical layout: every passage that the kept
 * queries' qrels name (the gold passages) plus N other passages drawn uniformly at random (seeded),
 * in the corpus's own order; queries optionally capped per split (seeded).
 */
import * as path from 'path';
import { InputError, throwIfAborted } from '../util/errors';
import type { ProgressFn } from '../util/progress';
import { Rng } from '../util/rng';
import { loadAnswers, loadQrels, loadQueries, readCorpus, writeDataset } from './beir';
import { AnswerRecord, CorpusDoc, DatasetManifest, Qrels, readManifest, resolveDatasetPaths } from './dataset';

/** Options of subsampleDataset. */
export interface SubsampleOptions {
  /** Source dataset folder (canonical layout). */
  from: string;
  /** Folder to write the slice to. */
  out: string;
  /** Passages to add beyond the gold ones, drawn uniformly from the non-gold passages. */
  extra: number;
  /** Seed of the query and passage draws (default 0). */
  seed?: number;
  /** Splits whose qrels to keep (default: all). */
  splits?: string[];
  /** Keep at most this many judged queries per split, drawn at random (default: all). */
  maxQueries?: number;
  /** Dataset name (default `<source name>-sub<extra>-s<seed>`). */
  name?: string;
  gzipCorpus?: boolean;
  progress?: ProgressFn;
  signal?: AbortSignal;
}

/** What subsampleDataset wrote. */
export interface SubsampleResult {
  out: string;
  manifest: DatasetManifest;
  /** Distinct gold passages (all in the slice). */
  gold: number;
  /** Random non-gold passages added. */
  extra: number;
  /** Passages in the source corpus. */
  sourceCorpus: number;
}

/**
 * Writes a slice of the dataset in `from` to `out` (see the module comment). The passage draw is
 * selection sampling (Knuth's Algorithm S) over the non-gold rows in one pass, so every set of
 * `extra` non-gold passages is equally likely and memory is the gold ids only; the source corpus
 * size comes from dataset.json, or from a counting pass when there is none. The same source, options
 * and seed always give the same slice.
 */
export async function subsampleDataset(opts: SubsampleOptions): Promise<SubsampleResult> {
  const { signal, progress } = opts;
  if (!Number.isInteger(opts.extra) || opts.extra < 0) throw new InputError(`extra: expected a non-negative integer, got ${opts.extra}`);
  if (opts.maxQueries !== undefined && (!Number.isInteger(opts.maxQueries) || opts.maxQueries < 1)) throw new InputError(`maxQueries: expected a positive integer, got ${opts.maxQueries}`);
  if (path.resolve(opts.from) === path.resolve(opts.out)) throw new InputError(`${opts.out}: the slice must go to a different folder than its source`);
  const seed = opts.seed ?? 0;
  const rng = new Rng(seed);
  const queryRng = rng.fork();
  const passageRng = rng.fork();

  const paths = resolveDatasetPaths(opts.from);
  const manifest = paths.manifest ? readManifest(paths.manifest) : undefined;
  const splits = opts.splits ?? Object.keys(paths.qrels);
  if (splits.length === 0) throw new InputError(`${opts.from}: no qrels splits to take gold passages from`);
  const allQueries = await loadQueries(paths.queries, { signal, progress });
  const known = new Set(allQueries.map((q) => q.id));

  const qrels: Record<string, Qrels> = {};
  const keptQueries = new Set<string>();
  const perSplit: Record<string, { queries: number; of: number }> = {};
  for (const split of splits) {
    const file = paths.qrels[split];
    if (!file) throw new InputError(`${opts.from}: no qrels for split '${split}' (available: ${Object.keys(paths.qrels).join(', ') || 'none'})`);
    const { qrels: q } = await loadQrels(file, { signal, knownQueries: known });
    // judged queries in queries-file order, then a seeded draw when capped
    const judged = allQueries.filter((x) => q.has(x.id)).map((x) => x.id);
    let keep = judged;
    if (opts.maxQueries !== undefined && judged.length > opts.maxQueries) {
      const picked = new Set(queryRng.sampleWithoutReplacement(judged.length, opts.maxQueries));
      keep = judged.filter((_, i) => picked.has(i));
    }
    const sub: Qrels = new Map();
    for (const id of keep) {
      sub.set(id, q.get(id)!);
      keptQueries.add(id);
    }
    qrels[split] = sub;
    perSplit[split] = { queries: keep.length, of: judged.length };
  }
  const queries = allQueries.filter((q) => keptQueries.has(q.id));
  let answers: AnswerRecord[] | undefined;
  if (paths.answers) {
    const all = await loadAnswers(paths.answers, { signal });
    answers = queries.filter((q) => all.has(q.id)).map((q) => ({ id: q.id, answers: all.get(q.id)! }));
  }

  const gold = new Set<string>();
  for (const q of Object.values(qrels)) for (const docs of q.values()) for (const d of docs.keys()) gold.add(d);

  let total = manifest?.counts.corpus;
  if (total === undefined) {
    total = 0;
    for await (const _ of readCorpus(paths.corpus, { signal, checkDuplicates: false })) total++;
  }
  const nonGold = total - gold.size;
  const want = Math.min(opts.extra, Math.max(0, nonGold));
  let need = want;
  let seen = 0;
  let goldSeen = 0;
  async function* slice(): AsyncGenerator<CorpusDoc> {
    for await (const d of readCorpus(paths.corpus, { signal, total })) {
      seen++;
      if (gold.has(d.id)) {
        goldSeen++;
        yield d;
        continue;
      }
      // Algorithm S: pick with probability need / (non-gold rows not yet seen)
      const remaining = total! - seen + 1 - (gold.size - goldSeen);
      if (need > 0 && passageRng.next() * remaining < need) {
        need--;
        yield d;
      }
      if (seen % 65536 === 0) throwIfAborted(signal, 'subsampling the corpus');
    }
    if (seen !== total) {
      throw new InputError(`${paths.corpus}: has ${seen} passages but ${paths.manifest ?? 'the counting pass'} says ${total} (file changed?)`);
    }
  }
  const sourceName = manifest?.name ?? path.basename(path.resolve(opts.from));
  const written = await writeDataset(
    opts.out,
    {
      name: opts.name ?? `${sourceName}-sub${opts.extra}-s${seed}`,
      description: `Slice of ${sourceName}: all gold passages of ${splits.join(', ')} plus ${opts.extra} random others (seed ${seed})`,
      ...(manifest?.licence !== undefined ? { licence: manifest.licence } : {}),
      ...(manifest?.source !== undefined ? { source: manifest.source } : {}),
      corpus: slice(),
      queries,
      qrels,
      answers,
      gzipCorpus: opts.gzipCorpus,
      extra: {
        subsampledFrom: opts.from,
        sourceName,
        sourceCorpus: total,
        gold: gold.size,
        extraPassages: want, // exactly `want` are drawn when the corpus matches its count (the generator throws otherwise)
        seed,
        maxQueries: opts.maxQueries ?? null,
        splits: perSplit,
      },
    },
    { signal, progress, corpusTotal: gold.size + want },
  );
  return { out: opts.out, manifest: written, gold: gold.size, extra: want - need, sourceCorpus: total };
}
