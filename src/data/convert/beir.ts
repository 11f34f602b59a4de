/**
 * A BEIR dataset (the published `<name>.zip`, extracted) → the canonical layout. BEIR is already
 * the canonical layout, so this validates every file with the BEIR readers (loadQueries, loadQrels,
 * readCorpus), rewrites it through writeDataset (which also checks that every qrels corpus id is in
 * the corpus) and adds dataset.json with the counts.
 */
import * as fs from 'fs';
import * as path from 'path';
import { InputError } from '../../util/errors';
import { loadQrels, loadQueries, readCorpus, writeDataset } from '../beir';
import { DATASET_FILES, Qrels, findPlainOrGz, resolveDatasetPaths } from '../dataset';
import type { ConvertCommonOptions, ConvertResult } from './common';

/** Options of convertBeir. */
export interface ConvertBeirOptions extends ConvertCommonOptions {
  /** Splits to keep (default: every qrels/<split>.tsv). */
  splits?: string[];
  /** Dataset name (default: the folder name, e.g. 'scifact'). */
  name?: string;
  /** Licence text for dataset.json (BEIR's licence varies per dataset). */
  licence?: string;
  /** Keep queries that no chosen split judges (default false). */
  allQueries?: boolean;
  /** Where the data came from, for dataset.json `source` (default: the absolute path of the folder converted). */
  source?: string;
  /** dataset.json `description` (default: says it is a BEIR-layout folder converted from that path). */
  description?: string;
}

/**
 * The BEIR dataset folder under `dir`: `dir` itself when it holds corpus.jsonl(.gz), else the one
 * folder at most two levels down that does (the zips hold `<name>/corpus.jsonl`).
 */
export function findBeirFolder(dir: string): string {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new InputError(`${dir}: folder not found (expected an extracted BEIR dataset)`);
  const has = (d: string) => findPlainOrGz(path.join(d, DATASET_FILES.corpus)) !== undefined;
  if (has(dir)) return dir;
  const found: string[] = [];
  const subs = (d: string) => fs.readdirSync(d, { withFileTypes: true }).filter((e) => e.isDirectory() && !e.name.startsWith('.') && !e.name.startsWith('__')).map((e) => path.join(d, e.name));
  for (const s of subs(dir)) {
    if (has(s)) found.push(s);
    else for (const t of subs(s)) if (has(t)) found.push(t);
  }
  if (found.length === 1) return found[0];
  if (found.length === 0) throw new InputError(`${dir}: no ${DATASET_FILES.corpus} here or two folders down (expected an extracted BEIR zip)`);
  throw new InputError(`${dir}: several BEIR datasets below (${found.join(', ')}); point --from at one`);
}

/**
 * Validates and rewrites the BEIR dataset in `from` (see findBeirFolder) into `out` with a
 * dataset.json. Every malformed line is an InputError naming file:line (from the BEIR readers).
 */
export async function convertBeir(opts: ConvertBeirOptions): Promise<ConvertResult> {
  const { signal, progress } = opts;
  const dir = findBeirFolder(opts.from);
  if (path.resolve(dir) === path.resolve(opts.out)) throw new InputError(`${opts.out}: --out must differ from the source folder`);
  const paths = resolveDatasetPaths(dir);
  const splits = opts.splits ?? Object.keys(paths.qrels);
  if (splits.length === 0) throw new InputError(`${path.join(dir, DATASET_FILES.qrelsDir)}: no <split>.tsv qrels files`);
  const allQueries = await loadQueries(paths.queries, { signal, progress });
  const known = new Set(allQueries.map((q) => q.id));
  const qrels: Record<string, Qrels> = {};
  const qrelsSources: Record<string, { file: string; docFirstLine: Map<string, number> }> = {};
  const judged = new Set<string>();
  const notes: string[] = [];
  for (const split of splits) {
    const file = paths.qrels[split];
    if (!file) throw new InputError(`${path.join(dir, DATASET_FILES.qrelsDir, split + '.tsv')}: file not found (available splits: ${Object.keys(paths.qrels).join(', ') || 'none'})`);
    const loaded = await loadQrels(file, { signal, knownQueries: known });
    qrels[split] = loaded.qrels;
    qrelsSources[split] = { file, docFirstLine: loaded.docFirstLine };
    for (const q of loaded.qrels.keys()) judged.add(q);
    notes.push(`${split}: ${loaded.qrels.size} queries, ${loaded.rows} qrels rows`);
  }
  const queries = opts.allQueries ? allQueries : allQueries.filter((q) => judged.has(q.id));
  if (queries.length < allQueries.length) notes.push(`${allQueries.length - queries.length} queries without qrels in the chosen splits left out`);
  const name = opts.name ?? path.basename(path.resolve(dir));
  const manifest = await writeDataset(
    opts.out,
    {
      name,
      // provenance is what we know: the folder we read, or what the user says; never a guessed URL
      description: opts.description ?? `BEIR-layout dataset converted from ${path.resolve(dir)}`,
      ...(opts.licence ? { licence: opts.licence } : {}),
      source: opts.source ?? path.resolve(dir),
      corpus: readCorpus(paths.corpus, { signal, progress }),
      queries,
      qrels,
      qrelsSources,
      gzipCorpus: opts.gzipCorpus,
      extra: { converter: 'convertBeir', from: path.resolve(dir), ...(opts.splits ? { splits: opts.splits } : {}) },
    },
    { signal, progress },
  );
  return { out: opts.out, manifest, notes };
}
