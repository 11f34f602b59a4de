/**
 * Training configuration as plain data, with every default in one place (`DEFAULT_TRAIN_CONFIG`).
 * A run's `config.json` is this object, complete, so a run can be repeated from it alone.
 */
export interface EncoderConfig {
  /** GloVe bag of embeddings (default), or a BERT-family transformer loaded from `checkpoint`. */
  kind: 'glove-bag' | 'bert';
  /**
   * kind 'bert': a Hugging Face checkpoint folder (config.json + model.safetensors + vocab.txt);
   * both encoders start from it. Pooling comes from the checkpoint (mean; CLS for DPR folders).
   */
  checkpoint?: string;
  /** kind 'bert': tokens per text, [CLS] and [SEP] included (default min(128, max positions)). */
  maxLength?: number;
  /** kind 'glove-bag': word weights in the pooled mean: uniform, SIF (a/(a+p(w))) or IDF. */
  pooling: 'mean' | 'sif' | 'idf';
  /** kind 'glove-bag': after pooling: none, a d×d linear map (identity at start), or a residual MLP (identity at start). */
  projection: 'none' | 'linear' | 'residual-mlp';
  /** L2-normalise the output. */
  normalize: boolean;
  /** kind 'glove-bag': train the word vectors (true) or only the projection. */
  trainEmbeddings: boolean;
  /** Query and target encoders share weights. */
  shared: boolean;
  /** kind 'glove-bag': in-vocabulary tokens pooled per text; the rest is cut (default 64). */
  maxTokens?: number;
}

export interface CorrectorOptions {
  kind: 'mlp' | 'linear' | 'identity';
  depth: number;
  width: number;
  activation: 'relu' | 'gelu' | 'tanh' | 'silu';
  layerNorm: boolean;
  /** Loss that trains h: drift MSE [paper], or KL / CE of truncated softmaxes [ours]. */
  loss: 'mse' | 'softmax' | 'softmax-ce';
  lr: number;
  /** Steps at the start where only h trains (encoders frozen). */
  warmupSteps: number;
  /** Extra uniformly sampled targets encoded fresh each step only to train h (counted in the ledger). */
  extraUniform: number;
  /** With a softmax loss: weight of an added drift MSE over all pairs (the extra uniform ones included). */
  mseWeight: number;
}

export interface TrainConfig {
  /** Run name: runs/<name>/. */
  name: string;
  seed: number;
  /** Dataset folder in the canonical layout. */
  dataset: string;
  trainSplit: string;
  devSplit: string;
  testSplit: string | null;
  /** Negative strategy label (strategy.ts). */
  strategy: string;
  steps: number;
  batchSize: number;
  /** Hard negatives selected per query from the cache. */
  negatives: number;
  /** How negatives are picked from the (corrected) cache logits. */
  selection: 'topk' | 'gumbel';
  /** Exact scoring over the whole cache, or an ANN candidate pool on g′ re-scored exactly. */
  pool: 'exact' | 'ann';
  poolSize: number;
  /** Add the other queries' positives (and negatives) as negatives. */
  inBatchNegatives: boolean;
  /** Inverse temperature β of the retrieval softmax. */
  beta: number;
  /** Encoder learning rate (Adam): how fast the target encoder, and so the cache's staleness, moves. */
  lr: number;
  encoder: EncoderConfig;
  corrector: CorrectorOptions;
  /** Log a record every this many steps (losses, staleness probes, cost so far). */
  logEvery: number;
  /** Evaluate on the dev split every this many steps (0: only at the end). */
  evalEvery: number;
  /** Dev queries used for periodic evaluation (all for the final one). */
  evalQueries: number;
  /** Rows and queries of the fixed staleness probe sample. */
  probeRows: number;
  probeQueries: number;
  probeK: number;
  /** Save a checkpoint every this many steps (0: only at the end and on interrupt). */
  checkpointEvery: number;
  /** Rows per block when scoring the whole cache. */
  blockRows: number;
}

export const DEFAULT_TRAIN_CONFIG: TrainConfig = {
  name: 'run',
  seed: 1,
  dataset: 'data/wordnet',
  trainSplit: 'train',
  devSplit: 'dev',
  testSplit: 'test',
  strategy: 'corrector',
  steps: 400,
  batchSize: 64,
  negatives: 4,
  selection: 'topk',
  pool: 'exact',
  poolSize: 256,
  inBatchNegatives: true,
  beta: 20,
  lr: 2e-3,
  encoder: { kind: 'glove-bag', pooling: 'idf', projection: 'linear', normalize: true, trainEmbeddings: true, shared: false },
  corrector: { kind: 'mlp', depth: 1, width: 256, activation: 'relu', layerNorm: false, loss: 'mse', lr: 1e-3, warmupSteps: 0, extraUniform: 0, mseWeight: 0 },
  logEvery: 25,
  evalEvery: 0,
  evalQueries: 1000,
  probeRows: 2000,
  probeQueries: 200,
  probeK: 10,
  checkpointEvery: 200,
  blockRows: 16384,
};

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };
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
