/**
 * Training configuration: every option declared once in `TRAIN_OPTIONS` (name, type, range, default,
 * help); the types (`TrainConfig`), the defaults (`DEFAULT_TRAIN_CONFIG`), the CLI flags of `train`,
 * `start` and `reproduce`, the `--config` file schema (sections `encoder` and `corrector` nested)
 * and their validation all derive from it. A run's `config.json` is a complete `TrainConfig`, so a
 * run can be repeated from it alone (`freshcache train --config runs/<name>/config.json`).
 */
import { defineOptions, defaultsOf, type Values } from '../util/options';
import { InputError } from '../util/errors';
import { parseStrategy, DEFAULT_BM25_DEPTH } from './strategy';
import { CORRECTOR_KINDS, ACTIVATIONS } from '../corrector/networks';
import { CORRECTOR_LOSSES } from '../corrector/losses';
import { GLOVE_BAG_POOLINGS, GLOVE_BAG_PROJECTIONS, GLOVE_BAG_DEFAULT_MAX_TOKENS } from '../encoders/glove-bag';
import { DEFAULT_BERT_CONFIG } from '../encoders/bert';

/** Seeds are unsigned 32-bit integers (the RNG's state is seeded from `seed >>> 0`). */
export const SEED_RANGE = { min: 0, max: 2 ** 32 - 1 } as const;

/** The encoders a run starts from (both query and target). */
export const ENCODER_OPTIONS = defineOptions({
  kind: { type: 'string', help: 'GloVe bag of embeddings, or a BERT-family transformer loaded from --encoder-checkpoint', default: 'glove-bag', choices: ['glove-bag', 'bert'] },
  checkpoint: { type: 'string', help: 'kind bert: a Hugging Face checkpoint folder (config.json + model.safetensors + vocab.txt); pooling comes from it (mean; CLS for DPR folders)', placeholder: 'dir' },
  maxLength: { type: 'int', help: 'kind bert: tokens per text, [CLS] and [SEP] included; longer texts are cut', flag: 'max-length', min: 2, max: 65536, defaultText: `min(${DEFAULT_BERT_CONFIG.maxLength}, the checkpoint's max positions)` },
  pooling: { type: 'string', help: 'kind glove-bag: word weights of the pooled mean: uniform, SIF a/(a+p(w)) or IDF', default: 'idf', choices: GLOVE_BAG_POOLINGS },
  projection: { type: 'string', help: 'kind glove-bag: after pooling: none, a d×d linear map or a residual MLP (both identity at start)', default: 'linear', choices: GLOVE_BAG_PROJECTIONS },
  normalize: { type: 'boolean', help: 'L2-normalise the output', default: true },
  trainEmbeddings: { type: 'boolean', help: 'kind glove-bag: train the word vectors too (else only the projection)', default: true },
  shared: { type: 'boolean', help: 'query and target encoders share weights', default: false },
  maxTokens: { type: 'int', help: 'kind glove-bag: in-vocabulary tokens pooled per text (the first ones; longer texts are cut)', flag: 'max-tokens', min: 1, max: 1_000_000, defaultText: String(GLOVE_BAG_DEFAULT_MAX_TOKENS) },
});

/** The corrector network h and how it trains (strategies with a corrector). */
export const CORRECTOR_OPTIONS = defineOptions({
  kind: { type: 'string', help: 'corrector network', default: 'mlp', choices: CORRECTOR_KINDS },
  depth: { type: 'int', help: 'mlp hidden layers', default: 1, min: 1, max: 64 },
  width: { type: 'int', help: 'mlp hidden width', default: 256, min: 1, max: 1 << 20 },
  activation: { type: 'string', help: 'mlp activation', default: 'relu', choices: ACTIVATIONS },
  layerNorm: { type: 'boolean', help: 'LayerNorm on the mlp branch input', default: false },
  loss: { type: 'string', help: 'loss that trains h: drift MSE [paper], or KL / CE of truncated softmaxes [ours]', default: 'mse', choices: CORRECTOR_LOSSES },
  lr: { type: 'number', help: 'corrector learning rate (its own Adam)', default: 1e-3, min: 0, minExclusive: true, max: 10 },
  warmupSteps: { type: 'int', help: 'first steps where only the corrector trains (encoders frozen)', flag: 'warmup-steps', default: 0, min: 0 },
  extraUniform: { type: 'int', help: 'extra uniformly drawn targets encoded fresh per step only to train the corrector (counted in the ledger)', flag: 'extra-uniform', default: 0, min: 0 },
  mseWeight: { type: 'number', help: 'with a softmax loss: weight of an added drift MSE over all pairs', default: 0, min: 0 },
});

/**
 * Every training option, in the order of a run's config.json. `steps` may be 0: no training step,
 * the run evaluates the initial encoders (the zero-shot starting point) and says so.
 */
export const TRAIN_OPTIONS = defineOptions({
  name: { type: 'string', help: 'run name: the run folder runs/<name>/', default: 'run', placeholder: 'name' },
  seed: { type: 'int', help: 'random seed', default: 1, ...SEED_RANGE },
  dataset: { type: 'string', help: 'dataset folder (canonical BEIR layout)', default: 'data/wordnet', placeholder: 'dir' },
  trainSplit: { type: 'string', help: 'qrels split the encoders train on (qrels/<split>.tsv)', default: 'train', placeholder: 'split' },
  devSplit: { type: 'string', help: 'qrels split of the evaluations during and after training (often called valid or validation)', default: 'dev', placeholder: 'split' },
  testSplit: { type: 'string', help: 'qrels split also scored at the end (none: no test split)', default: 'test', nullable: true, placeholder: 'split|none' },
  strategy: {
    type: 'string', help: `negatives: in-batch | stale | refresh:R | refresh-on-use | corrector[+refresh:R][+refresh-on-use] | oracle | bm25[:N] (drawn from each query's top N BM25 passages, mined once; N ${DEFAULT_BM25_DEPTH})`, default: 'corrector', placeholder: 'strategy',
    check: (v: string, where: string) => void parseStrategy(v, where),
  },
  steps: { type: 'int', help: 'training steps (0: no training; evaluate the initial encoders)', default: 400, min: 0, max: 100_000_000 },
  batchSize: { type: 'int', help: 'queries per step', default: 64, min: 1, max: 1 << 20 },
  negatives: { type: 'int', help: 'hard negatives per query from the (corrected) cache, or bm25: from the mined BM25 passages', default: 4, min: 0, max: 1 << 20 },
  selection: { type: 'string', help: 'how negatives are picked from the (corrected) logits', default: 'topk', choices: ['topk', 'gumbel'] },
  pool: { type: 'string', help: 'score the whole cache exactly, or an HNSW candidate pool on g′ re-scored exactly', default: 'exact', choices: ['exact', 'ann'] },
  poolSize: { type: 'int', help: 'candidates per query from the ANN index (pool ann)', default: 256, min: 1, max: 1 << 20 },
  inBatchNegatives: { type: 'boolean', help: "add the other queries' positives (and negatives) as negatives", default: true },
  beta: { type: 'number', help: 'inverse temperature β of the retrieval softmax', default: 20, min: 0, minExclusive: true, max: 1e6 },
  lr: { type: 'number', help: 'encoder learning rate (Adam): how fast the cache goes stale', default: 2e-3, min: 0, minExclusive: true, max: 10 },
  encoder: {
    type: 'section', help: 'Encoders', options: ENCODER_OPTIONS,
    shorthand: { help: 'glove (the GloVe bag) or a Hugging Face BERT checkpoint folder: sets --encoder-kind (and --encoder-checkpoint)', placeholder: 'glove|dir', defaultText: 'glove', expand: expandEncoder },
  },
  corrector: { type: 'section', help: 'Corrector', options: CORRECTOR_OPTIONS },
  logEvery: { type: 'int', help: 'log a record (losses, staleness probes, cost so far) every N steps', default: 25, min: 1 },
  evalEvery: { type: 'int', help: 'evaluate on the dev split every N steps (0: only at the end)', default: 0, min: 0 },
  evalQueries: { type: 'int', help: 'dev queries of the periodic evaluations (the final one uses all)', default: 1000, min: 1 },
  probeRows: { type: 'int', help: 'cache rows of the fixed staleness probe sample', default: 2000, min: 1 },
  probeQueries: { type: 'int', help: 'queries of the fixed staleness probe sample', default: 200, min: 1 },
  probeK: { type: 'int', help: 'top-k of the staleness probe overlaps', default: 10, min: 1, max: 100_000 },
  checkpointEvery: { type: 'int', help: 'save a checkpoint every N steps (0: only at the end and on interrupt)', default: 200, min: 0 },
  blockRows: { type: 'int', help: 'cache rows per block when scoring the whole cache', default: 16384, min: 1, max: 1 << 26 },
});

/** `--encoder glove` → the GloVe bag; `--encoder <dir>` → BERT from that checkpoint folder. */
function expandEncoder(value: string): Record<string, unknown> {
  if (value === 'glove' || value === 'glove-bag') return { kind: 'glove-bag' };
  return { kind: 'bert', checkpoint: value };
}

export type TrainConfig = Values<typeof TRAIN_OPTIONS>;
export type EncoderConfig = TrainConfig['encoder'];
export type CorrectorOptions = TrainConfig['corrector'];

export const DEFAULT_TRAIN_CONFIG: TrainConfig = defaultsOf(TRAIN_OPTIONS);

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object | null ? (T[K] extends null ? T[K] : DeepPartial<T[K]>) : T[K] };
export type TrainConfigInput = DeepPartial<TrainConfig>;

/** Defaults overlaid with `input` (nested objects merged one level deep). */
export function resolveConfig(input: TrainConfigInput = {}): TrainConfig {
  return {
    ...DEFAULT_TRAIN_CONFIG,
    ...(input as Partial<TrainConfig>),
    encoder: { ...DEFAULT_TRAIN_CONFIG.encoder, ...(input.encoder ?? {}) } as EncoderConfig,
    corrector: { ...DEFAULT_TRAIN_CONFIG.corrector, ...(input.corrector ?? {}) } as CorrectorOptions,
  };
}

/** The training options among `values` (a command's parsed flags): the keys of TRAIN_OPTIONS that are set. */
export function trainInputOf(values: TrainConfigInput): TrainConfigInput {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(TRAIN_OPTIONS) as (keyof TrainConfigInput)[]) if (values[key] !== undefined) out[key] = values[key];
  return out;
}

/**
 * Checks what the option table cannot say alone: each encoder kind's own options, e.g. `maxTokens`
 * is the GloVe bag's limit and `maxLength` BERT's. InputError naming the options.
 */
export function checkEncoderOptions(e: TrainConfigInput['encoder'] = {}, where = 'encoder'): void {
  const kind = e.kind ?? DEFAULT_TRAIN_CONFIG.encoder.kind;
  if (kind === 'bert' && e.maxTokens !== undefined) throw new InputError(`${where}.maxTokens (--max-tokens) is the GloVe bag's token limit; a BERT encoder's is maxLength (--max-length)`);
  if (kind === 'glove-bag' && e.maxLength !== undefined) throw new InputError(`${where}.maxLength (--max-length) is a BERT encoder's token limit; the GloVe bag's is maxTokens (--max-tokens)`);
  if (kind === 'bert' && !e.checkpoint) throw new InputError(`${where}.kind bert needs ${where}.checkpoint (--encoder-checkpoint <dir>, or --encoder <dir>): a Hugging Face checkpoint folder`);
  if (kind === 'glove-bag' && e.checkpoint !== undefined) throw new InputError(`${where}.checkpoint (--encoder-checkpoint) needs kind bert (--encoder-kind bert, or --encoder <dir>)`);
}

/** Names a dataset may give its dev split, in order of preference. */
export const DEV_SPLIT_NAMES = ['dev', 'valid', 'validation'] as const;

/**
 * Split names for a dataset whose qrels splits are `available`, for the splits the user did not
 * name (`given` holds option paths): dev falls back to `valid` or `validation` when the folder has
 * no `dev`, and the test split to none when it has no `test`. Returns the changed settings and a
 * note on each, for the log.
 */
export function defaultSplitsFor(available: readonly string[], given: ReadonlySet<string>): { splits: TrainConfigInput; notes: string[] } {
  const splits: TrainConfigInput = {};
  const notes: string[] = [];
  const has = (s: string) => available.includes(s);
  if (!given.has('devSplit') && !has(DEFAULT_TRAIN_CONFIG.devSplit)) {
    const alt = DEV_SPLIT_NAMES.find(has);
    if (alt) {
      splits.devSplit = alt;
      notes.push(`dev split: qrels/${alt} (no qrels/${DEFAULT_TRAIN_CONFIG.devSplit}; --dev-split names another)`);
    }
  }
  if (!given.has('testSplit') && DEFAULT_TRAIN_CONFIG.testSplit !== null && !has(DEFAULT_TRAIN_CONFIG.testSplit)) {
    splits.testSplit = null;
    notes.push(`test split: none (no qrels/${DEFAULT_TRAIN_CONFIG.testSplit}; --test-split names one)`);
  }
  return { splits, notes };
}
