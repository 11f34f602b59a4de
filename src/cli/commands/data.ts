import * as path from 'path';
import { defineCommand } from '../command';
import { kebab } from '../../util/options';
import { SEED_RANGE } from '../../train/config';
import { InputError } from '../../util/errors';
import { downloadSource, DataSource } from '../../data/download';
import { extractArchive } from '../../data/extract';
import { convertBeir, convertMsmarco, convertNq, ConvertResult, NqSplit } from '../../data/convert';
import { subsampleDataset } from '../../data/subsample';
import { DATA_SOURCES, sourceByName } from '../../data/sources';
import { checkDataset, formatDatasetCheck, problemTotal } from '../../data/check';
import { countsTokens, type Encoder } from '../../encoders';
import { resolveEncoderSpec } from '../../train/encoder-spec';
import { ZERO_SHOT_ENCODER } from '../../train/zero-shot';

const SUBCOMMANDS = ['check', 'list', 'download', 'extract', 'convert', 'subsample'];

function gb(bytes: number): string {
  return `${(bytes / 1e9).toFixed(bytes < 1e8 ? 3 : 1)} GB`;
}

function sourcesOf(arg: string | undefined): DataSource[] {
  if (!arg) throw new InputError(`data download: expected a source name or 'all' (sources: ${DATA_SOURCES.map((s) => s.name).join(', ')})`);
  if (arg === 'all') return DATA_SOURCES;
  const s = sourceByName(arg);
  if (!s) throw new InputError(`data download: unknown source '${arg}' (sources: ${DATA_SOURCES.map((x) => x.name).join(', ')}, all)`);
  return [s];
}

function printConverted(r: ConvertResult, out: (l: string) => void): void {
  const c = r.manifest.counts;
  out(`${r.out}: ${r.manifest.name}: ${c.corpus} passages, ${c.queries} queries${c.answers !== undefined ? `, ${c.answers} answer records` : ''}`);
  for (const [split, sc] of Object.entries(c.qrels)) out(`  qrels/${split}.tsv: ${sc.queries} queries, ${sc.rows} rows`);
  for (const n of r.notes) out(`  note: ${n}`);
}

export const dataCommand = defineCommand({
  name: 'data',
  summary: 'check a dataset folder; download (resumable, checksummed), extract, convert (nq, msmarco, beir) and subsample external datasets',
  usage: [
    'check <folder> [--encoder zero-shot|none|<dir>] | list | download <name|all> [--dir data/raw] | extract <archive> --out <folder>',
    '       | convert <nq|msmarco|beir> --from <folder> --out <folder> | subsample --from <dataset> --out <folder> --extra N [--seed S]',
  ].join('\n'),
  flags: {
    dir: { type: 'string', help: 'download folder (files go to <dir>/<source>/)', default: 'data/raw', placeholder: 'folder' },
    extract: { type: 'boolean', help: 'download: extract archives after verifying them', default: true },
    retries: { type: 'int', help: 'download: retries per file after a network error (each resumes)', default: 5, min: 0, max: 1000 },
    from: { type: 'string', help: 'convert: folder of downloaded files; subsample: dataset folder', placeholder: 'folder' },
    out: { type: 'string', help: 'convert / subsample / extract: folder to write', placeholder: 'folder' },
    overwrite: { type: 'boolean', help: 'extract: replace an existing --out folder', default: false },
    splits: { type: 'list', of: 'string', help: 'convert / subsample: splits to keep (nq: train,dev,test; msmarco: train,dev.small,dev; beir: qrels file names)', defaultText: 'all' },
    positives: { type: 'string', help: 'convert nq: every positive passage, or only the first (as DPR trains)', default: 'all', choices: ['all', 'first'] },
    missingPositives: { type: 'string', help: 'convert nq: a positive passage id missing from psgs_w100 stops the conversion (error) or is dropped with a count (drop; one extra pass)', default: 'error', choices: ['error', 'drop'] },
    allQueries: { type: 'boolean', help: 'convert msmarco / beir: keep queries without qrels too', default: false },
    gzipCorpus: { type: 'boolean', help: 'write corpus.jsonl.gz instead of corpus.jsonl', default: false },
    name: { type: 'string', help: 'dataset name written to dataset.json', placeholder: 'name' },
    licence: { type: 'string', help: 'convert beir: licence text for dataset.json', placeholder: 'text' },
    source: { type: 'string', help: 'convert beir: where the data came from, for dataset.json', defaultText: "the --from folder's path", placeholder: 'text' },
    description: { type: 'string', help: 'convert beir: description for dataset.json', placeholder: 'text' },
    extra: { type: 'int', help: 'subsample: random non-gold passages to add', placeholder: 'N', min: 0 },
    seed: { type: 'int', help: 'subsample: seed of the query and passage draws', default: 0, ...SEED_RANGE },
    maxQueries: { type: 'int', help: 'subsample: at most this many judged queries per split', placeholder: 'N', defaultText: 'all', min: 1 },
    encoder: { type: 'string', help: 'check: count text lengths in this encoder\'s tokens against its limit (zero-shot, glove, a saved encoder folder; none to skip)', default: ZERO_SHOT_ENCODER, placeholder: 'name|dir' },
  },
  async run(opts, ctx) {
    const [sub, arg] = opts._;
    const need = (k: 'from' | 'out', what: string): string => {
      const v = opts[k];
      if (!v) throw new InputError(`data ${sub}: --${kebab(k)} is required (${what})`);
      return v;
    };
    const common = { progress: ctx.progress, signal: ctx.signal };
    switch (sub) {
      case 'check': {
        if (!arg) throw new InputError('data check: expected the dataset folder (data check <folder>)');
        const spec = opts.encoder;
        const encoders: Encoder[] = [];
        try {
          const c = await checkDataset(arg, {
            ...common,
            tokenCounter: spec === 'none' ? undefined : async () => {
              await ctx.backend();
              const { encoder } = await resolveEncoderSpec(spec, { dataset: arg, ...common });
              encoders.push(encoder);
              if (countsTokens(encoder)) return { name: spec, maxTokens: encoder.maxTokens, countTokens: (t) => encoder.countTokens(t) };
              ctx.log(`note: encoder ${spec} (${encoder.kind}) cannot count its tokens; no length statistics`);
              return undefined;
            },
          });
          for (const p of c.problems) ctx.out(p);
          for (const l of formatDatasetCheck(c)) ctx.out(l);
          return problemTotal(c) > 0 ? 2 : 0;
        } finally {
          for (const e of encoders) e.dispose();
        }
      }
      case 'list': {
        for (const s of DATA_SOURCES) {
          const bytes = s.files.reduce((t, f) => t + (f.size ?? f.approxBytes ?? 0), 0);
          ctx.out(`${s.name.padEnd(9)} ${s.title} (download about ${gb(bytes)}; convert with: data convert ${s.format})`);
          ctx.out(`          licence: ${s.licence}`);
          for (const f of s.files) ctx.out(`          ${f.url}${f.md5 ? `  md5 ${f.md5}` : ''}`);
        }
        return;
      }
      case 'download': {
        const dir = opts.dir;
        for (const s of sourcesOf(arg)) {
          ctx.log(`${s.name}: ${s.title}\n  licence: ${s.licence}`);
          const r = await downloadSource(s, { dir, extract: opts.extract, retries: opts.retries, ...common });
          for (const f of r.files) {
            ctx.out(`${path.join(r.dir, f.file)}\t${f.bytes} bytes\tmd5 ${f.md5}\tsha256 ${f.sha256}${f.alreadyPresent ? '\t(already present, verified)' : f.resumed ? `\t(resumed ${f.resumed}x)` : ''}`);
          }
          for (const x of r.extracted) ctx.out(`${x}\textracted`);
        }
        return;
      }
      case 'extract': {
        if (!arg) throw new InputError('data extract: expected the archive path (data extract <archive> --out <folder>)');
        const r = await extractArchive({ archive: arg, dest: need('out', 'folder to extract into'), overwrite: opts.overwrite, ...common });
        ctx.out(`${r.dest}: ${r.files} files, ${r.dirs} folders, ${r.bytes} bytes`);
        return;
      }
      case 'convert': {
        const from = need('from', 'folder with the downloaded files');
        const out = need('out', 'dataset folder to write');
        const base = { from, out, gzipCorpus: opts.gzipCorpus, ...common };
        const splits = opts.splits;
        let r: ConvertResult;
        if (arg === 'nq') r = await convertNq({ ...base, splits: splits as NqSplit[] | undefined, positives: opts.positives, missingPositives: opts.missingPositives, name: opts.name });
        else if (arg === 'msmarco') r = await convertMsmarco({ ...base, splits, allQueries: opts.allQueries, name: opts.name });
        else if (arg === 'beir') r = await convertBeir({ ...base, splits, allQueries: opts.allQueries, name: opts.name, licence: opts.licence, source: opts.source, description: opts.description });
        else throw new InputError(`data convert: expected nq, msmarco or beir, got ${arg === undefined ? 'nothing' : `'${arg}'`}`);
        printConverted(r, ctx.out);
        return;
      }
      case 'subsample': {
        if (opts.extra === undefined) throw new InputError('data subsample: --extra is required (random non-gold passages to add)');
        const r = await subsampleDataset({
          from: need('from', 'dataset folder to slice'),
          out: need('out', 'folder to write the slice to'),
          extra: opts.extra,
          seed: opts.seed,
          splits: opts.splits,
          maxQueries: opts.maxQueries,
          name: opts.name,
          gzipCorpus: opts.gzipCorpus,
          ...common,
        });
        const c = r.manifest.counts;
        ctx.out(`${r.out}: ${c.corpus} passages (${r.gold} gold + ${r.extra} random of ${r.sourceCorpus}), ${c.queries} queries`);
        for (const [split, sc] of Object.entries(c.qrels)) ctx.out(`  qrels/${split}.tsv: ${sc.queries} queries, ${sc.rows} rows`);
        return;
      }
      default:
        throw new InputError(`data: expected a subcommand (${SUBCOMMANDS.join(', ')}), got ${sub === undefined ? 'nothing' : `'${sub}'`}`);
    }
  },
});
