/**
 * Corrector networks h(·; Ψ): map a stale cached target embedding g′(y) to an estimate of its fresh
 * embedding g_t(y) (PAPER.md, "The corrector" [paper]; the architecture below is our reconstruction
 * [design]).
 *
 * Kinds:
 * - `mlp`: residual MLP h(e) = e + MLP(e), MLP = [LayerNorm] → (Linear → σ) × depth → Linear. The last
 *   Linear (weights and bias) starts at zero, so h is exactly the identity at initialisation.
 * - `linear`: h(e) = A e + b, A = I and b = 0 at initialisation (exactly the identity).
 * - `identity`: h(e) = e, no parameters (the plain stale cache).
 * Any kind may L2-normalise its output (`normalizeOutput`), for encoders whose embeddings are unit
 * vectors; h(e) = e/‖e‖ at initialisation then, which is the identity on unit inputs only.
 *
 * Built from plain tf.Variables and tf ops (not the layers API). Row-vector convention throughout: a
 * layer computes `x W + b` with W of shape [in, out]; a batch of embeddings is a [n, dim] tensor.
 */
import * as fs from 'fs';
import * as path from 'path';
import { tf, copyFloats } from '../tensor';
import { l2NormalizeRows } from '../tensor/ops';
import { Rng } from '../util/rng';
import { InputError } from '../util/errors';
import { writeFileAtomic, writeJsonAtomic } from '../util/atomic';
import { sha256 } from '../util/hash';

export const CORRECTOR_KINDS = ['mlp', 'linear', 'identity'] as const;
export type CorrectorKind = (typeof CORRECTOR_KINDS)[number];
export const ACTIVATIONS = ['relu', 'gelu', 'tanh', 'silu'] as const;
export type Activation = (typeof ACTIVATIONS)[number];

/** Plain-data description of a corrector; every field but `dim` has a default (CORRECTOR_DEFAULTS). */
export interface CorrectorConfig {
  /** Network kind; default 'mlp'. */
  kind?: CorrectorKind;
  /** Embedding dimension (input = output). */
  dim: number;
  /** mlp: number of hidden layers (≥ 1); default 1, i.e. h(e) = e + W₂ σ(W₁ e + b₁) + b₂. */
  depth?: number;
  /** mlp: hidden width; default = dim. */
  width?: number;
  /** mlp: hidden activation; default 'gelu' (exact, erf form). */
  activation?: Activation;
  /** mlp: LayerNorm (learned gain and bias) on the input of the residual branch; default false. */
  layerNorm?: boolean;
  /** L2-normalise the output rows; default false. */
  normalizeOutput?: boolean;
  /** Seed of the weight initialisation; default 0. */
  seed?: number;
}

/** A config with every default filled in; fields that do not apply to the kind are left out. */
export interface ResolvedCorrectorConfig {
  kind: CorrectorKind;
  dim: number;
  depth?: number;
  width?: number;
  activation?: Activation;
  layerNorm?: boolean;
  normalizeOutput: boolean;
  seed: number;
}

/** The defaults, in one place. `width: undefined` means "= dim". */
export const CORRECTOR_DEFAULTS = {
  kind: 'mlp' as CorrectorKind,
  depth: 1,
  width: undefined as number | undefined,
  activation: 'gelu' as Activation,
  layerNorm: false,
  normalizeOutput: false,
  seed: 0,
};

/** One weight layer, for the theory module (norms of the weights) and for inspection. */
export interface CorrectorLayer {
  /** 'hidden0', 'hidden1', …, 'out' for mlp; 'linear' for linear. */
  name: string;
  /** [in, out]; the layer computes x W + b on row vectors x (so W = Aᵀ for linear). */
  W: tf.Tensor2D;
  /** [out]. */
  b?: tf.Tensor1D;
  /** Applied after x W + b; 'none' for the output / linear layer. */
  activation: Activation | 'none';
}

/**
 * The common interface of all correctors. Tensors returned by `apply` are new tensors owned by the
 * caller (the identity returns a clone, which shares memory); `layers()` returns the live variables
 * (do not dispose them).
 */
export interface Corrector {
  readonly kind: CorrectorKind;
  readonly dim: number;
  /** True when h(e) = e + branch(e) (mlp); the theory module bounds the branch. */
  readonly residual: boolean;
  /** h(e) for a batch of rows [n, dim] → [n, dim]. Differentiable w.r.t. variables(). */
  apply(e: tf.Tensor2D): tf.Tensor2D;
  /** Trainable variables, in a fixed order (the order of getWeights / setWeights / tensorNames). */
  variables(): tf.Variable[];
  /** Stable names of the variables, e.g. 'hidden0/W' (used in saved files and optimiser state). */
  tensorNames(): string[];
  /** Weight layers in forward order (excludes the LayerNorm gain/bias, see inputLayerNorm). */
  layers(): CorrectorLayer[];
  /** LayerNorm gain/bias of the residual branch's input, when enabled. */
  inputLayerNorm(): { gamma: tf.Tensor1D; beta: tf.Tensor1D } | undefined;
  /** Number of scalar parameters. */
  parameterCount(): number;
  /**
   * Forward FLOPs per row: a multiply-add counts 2, every element-wise op (bias, activation, residual
   * add, normalisation step) counts 1 per element. Training (forward + backward) ≈ 3× this.
   */
  flopsPerRow(): number;
  /** The resolved plain-data config (rebuilds an equal network with buildCorrector). */
  config(): ResolvedCorrectorConfig;
  /** Copies of the weights, in variables() order (one awaited device → host read). */
  getWeights(): Promise<Float32Array[]>;
  /** Overwrites the weights (same order and sizes as getWeights). */
  setWeights(weights: Float32Array[]): void;
  /** Writes `dir/corrector.json` and its weights file atomically (see saveCorrector). */
  save(dir: string): Promise<void>;
  /** Loads weights saved by save(); the saved config must equal this one (up to seed). */
  load(dir: string): void;
  dispose(): void;
}

/** Fills in defaults and checks ranges; bad values → InputError naming the field. */
export function resolveCorrectorConfig(config: CorrectorConfig): ResolvedCorrectorConfig {
  const kind = config.kind ?? CORRECTOR_DEFAULTS.kind;
  if (!(CORRECTOR_KINDS as readonly string[]).includes(kind)) {
    throw new InputError(`corrector kind: expected one of ${CORRECTOR_KINDS.join(', ')}, got '${kind}'`);
  }
  const dim = config.dim;
  checkPositiveInt(dim, 'corrector dim');
  const normalizeOutput = config.normalizeOutput ?? CORRECTOR_DEFAULTS.normalizeOutput;
  const seed = config.seed ?? CORRECTOR_DEFAULTS.seed;
  if (!Number.isFinite(seed)) throw new InputError(`corrector seed: expected a number, got ${seed}`);
  if (kind !== 'mlp') return { kind, dim, normalizeOutput, seed };
  const depth = config.depth ?? CORRECTOR_DEFAULTS.depth;
  checkPositiveInt(depth, 'corrector depth');
  const width = config.width ?? CORRECTOR_DEFAULTS.width ?? dim;
  checkPositiveInt(width, 'corrector width');
  const activation = config.activation ?? CORRECTOR_DEFAULTS.activation;
  if (!(ACTIVATIONS as readonly string[]).includes(activation)) {
    throw new InputError(`corrector activation: expected one of ${ACTIVATIONS.join(', ')}, got '${activation}'`);
  }
  const layerNorm = config.layerNorm ?? CORRECTOR_DEFAULTS.layerNorm;
  return { kind, dim, depth, width, activation, layerNorm, normalizeOutput, seed };
}

function checkPositiveInt(v: unknown, what: string): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
    throw new InputError(`${what}: expected an integer ≥ 1, got ${String(v)}`);
  }
}

/** Builds a corrector from a plain-data config (defaults: CORRECTOR_DEFAULTS), initialised from its seed. */
export function buildCorrector(config: CorrectorConfig): Corrector {
  return new TfCorrector(resolveCorrectorConfig(config));
}

/** Applies an activation by name. gelu is the exact form 0.5·x·(1 + erf(x/√2)); silu is x·sigmoid(x). */
export function activate(x: tf.Tensor, activation: Activation): tf.Tensor {
  switch (activation) {
    case 'relu':
      return reluOp(x);
    case 'tanh':
      return tf.tanh(x);
    case 'silu':
      return tf.mul(x, tf.sigmoid(x));
    case 'gelu':
      return geluOp(x);
  }
}

/** ReLU with the gradient dy·step(y) (2 ops; tfjs's own ReLU gradient takes 7). */
const reluOp: (x: tf.Tensor) => tf.Tensor = ((): any => {
  const op = tf.customGrad(((x: tf.Tensor, save: (ts: tf.Tensor[]) => void) => {
    const y = tf.relu(x);
    save([y]);
    return { value: y, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, tf.step(saved[0])) };
  }) as any);
  return (x: tf.Tensor) => op(x);
})();

/**
 * Exact GELU x·Φ(x), Φ(x) = ½(1 + erf(x/√2)), with an explicit gradient Φ(x) + x·φ(x),
 * φ(x) = exp(−x²/2)/√(2π): 7 ops on the backward pass instead of autodiff's ~12.
 */
const geluOp: (x: tf.Tensor) => tf.Tensor = ((): any => {
  const op = tf.customGrad(((x: tf.Tensor, save: (ts: tf.Tensor[]) => void) => {
    const cdf = tf.mul(tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))), 0.5);
    save([x, cdf]);
    return {
      value: tf.mul(x, cdf),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, c] = saved;
        const pdf = tf.mul(tf.exp(tf.mul(tf.square(xs), -0.5)), 1 / Math.sqrt(2 * Math.PI));
        return tf.mul(dy, tf.add(c, tf.mul(xs, pdf)));
      },
    };
  }) as any);
  return (x: tf.Tensor) => op(x);
})();

/** Row-wise L2 normalisation x / max(‖x‖, 1e-12). */
export { l2NormalizeRows };

const LAYER_NORM_EPS = 1e-5;
let instanceCounter = 0;

interface Param {
  name: string;
  v: tf.Variable;
}

class TfCorrector implements Corrector {
  readonly kind: CorrectorKind;
  readonly dim: number;
  readonly residual: boolean;
  private readonly cfg: ResolvedCorrectorConfig;
  private readonly params: Param[] = [];
  private readonly weightLayers: { name: string; W: tf.Variable; b: tf.Variable; activation: Activation | 'none' }[] = [];
  private ln?: { gamma: tf.Variable; beta: tf.Variable };
  private disposed = false;

  constructor(cfg: ResolvedCorrectorConfig) {
    this.cfg = cfg;
    this.kind = cfg.kind;
    this.dim = cfg.dim;
    this.residual = cfg.kind === 'mlp';
    const prefix = `corrector${++instanceCounter}_${cfg.kind}/`;
    const rng = new Rng(cfg.seed);
    const d = cfg.dim;
    const add = (name: string, shape: number[], values: Float32Array): tf.Variable => {
      const v = tf.tidy(() => tf.variable(tf.tensor(values, shape, 'float32'), true, prefix + name));
      this.params.push({ name, v });
      return v;
    };
    if (cfg.kind === 'linear') {
      const eye = new Float32Array(d * d);
      for (let i = 0; i < d; i++) eye[i * d + i] = 1;
      const W = add('linear/W', [d, d], eye);
      const b = add('linear/b', [d], new Float32Array(d));
      this.weightLayers.push({ name: 'linear', W, b, activation: 'none' });
    } else if (cfg.kind === 'mlp') {
      const depth = cfg.depth!;
      const width = cfg.width!;
      const act = cfg.activation!;
      if (cfg.layerNorm) {
        this.ln = {
          gamma: add('layerNorm/gamma', [d], new Float32Array(d).fill(1)),
          beta: add('layerNorm/beta', [d], new Float32Array(d)),
        };
      }
      // He-normal for relu-like activations, LeCun-normal for tanh; the output layer starts at zero.
      const gain = act === 'tanh' ? 1 : Math.SQRT2;
      let fanIn = d;
      for (let i = 0; i < depth; i++) {
        const w = new Float32Array(fanIn * width);
        const std = gain / Math.sqrt(fanIn);
        for (let j = 0; j < w.length; j++) w[j] = rng.normal() * std;
        const W = add(`hidden${i}/W`, [fanIn, width], w);
        const b = add(`hidden${i}/b`, [width], new Float32Array(width));
        this.weightLayers.push({ name: `hidden${i}`, W, b, activation: act });
        fanIn = width;
      }
      const W = add('out/W', [width, d], new Float32Array(width * d));
      const b = add('out/b', [d], new Float32Array(d));
      this.weightLayers.push({ name: 'out', W, b, activation: 'none' });
    }
  }

  apply(e: tf.Tensor2D): tf.Tensor2D {
    this.checkAlive();
    if (e.rank !== 2 || e.shape[1] !== this.dim) {
      throw new InputError(`corrector apply: expected rows of shape [n, ${this.dim}], got [${e.shape.join(', ')}]`);
    }
    return tf.tidy(() => {
      let y: tf.Tensor2D;
      if (this.kind === 'identity') {
        y = e.clone();
      } else if (this.kind === 'linear') {
        const { W, b } = this.weightLayers[0];
        y = tf.add(tf.matMul(e, W as tf.Tensor2D), b) as tf.Tensor2D;
      } else {
        let x: tf.Tensor = e;
        if (this.ln) {
          const { mean, variance } = tf.moments(x, -1, true);
          x = tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, LAYER_NORM_EPS))), this.ln.gamma), this.ln.beta);
        }
        for (const layer of this.weightLayers) {
          x = tf.add(tf.matMul(x as tf.Tensor2D, layer.W as tf.Tensor2D), layer.b);
          if (layer.activation !== 'none') x = activate(x, layer.activation);
        }
        y = tf.add(e, x) as tf.Tensor2D;
      }
      return this.cfg.normalizeOutput ? l2NormalizeRows(y) : y;
    });
  }

  variables(): tf.Variable[] {
    return this.params.map((p) => p.v);
  }

  tensorNames(): string[] {
    return this.params.map((p) => p.name);
  }

  layers(): CorrectorLayer[] {
    return this.weightLayers.map((l) => ({
      name: l.name,
      W: l.W as tf.Tensor as tf.Tensor2D,
      b: l.b as tf.Tensor as tf.Tensor1D,
      activation: l.activation,
    }));
  }

  inputLayerNorm(): { gamma: tf.Tensor1D; beta: tf.Tensor1D } | undefined {
    return this.ln ? { gamma: this.ln.gamma as tf.Tensor as tf.Tensor1D, beta: this.ln.beta as tf.Tensor as tf.Tensor1D } : undefined;
  }

  parameterCount(): number {
    return this.params.reduce((s, p) => s + p.v.size, 0);
  }

  flopsPerRow(): number {
    return correctorFlopsPerRow(this.cfg);
  }

  config(): ResolvedCorrectorConfig {
    return { ...this.cfg };
  }

  async getWeights(): Promise<Float32Array[]> {
    this.checkAlive();
    return copyFloats(this.params.map((p) => p.v));
  }

  setWeights(weights: Float32Array[]): void {
    this.checkAlive();
    if (weights.length !== this.params.length) {
      throw new InputError(`corrector setWeights: expected ${this.params.length} arrays (${this.tensorNames().join(', ')}), got ${weights.length}`);
    }
    weights.forEach((w, i) => {
      const p = this.params[i];
      if (w.length !== p.v.size) {
        throw new InputError(`corrector setWeights: ${p.name} expects ${p.v.size} values (shape [${p.v.shape.join(', ')}]), got ${w.length}`);
      }
    });
    tf.tidy(() => weights.forEach((w, i) => this.params[i].v.assign(tf.tensor(w, this.params[i].v.shape, 'float32'))));
  }

  save(dir: string): Promise<void> {
    return saveCorrector(this, dir);
  }

  load(dir: string): void {
    const saved = readSavedCorrector(dir);
    const a = { ...saved.config, seed: 0 };
    const b = { ...this.cfg, seed: 0 };
    if (JSON.stringify(a) !== JSON.stringify(b)) {
      throw new InputError(`${path.join(dir, CORRECTOR_JSON)}: saved corrector ${JSON.stringify(saved.config)} does not match this one ${JSON.stringify(this.cfg)}`);
    }
    this.setWeights(saved.weights);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const p of this.params) p.v.dispose();
  }

  private checkAlive(): void {
    if (this.disposed) throw new Error('corrector used after dispose()');
  }
}

/** Forward FLOPs per row of a config (the convention of Corrector.flopsPerRow). */
export function correctorFlopsPerRow(config: CorrectorConfig): number {
  const c = resolveCorrectorConfig(config);
  const d = c.dim;
  const norm = c.normalizeOutput ? 3 * d : 0; // square+sum, divide (sqrt per row ignored)
  if (c.kind === 'identity') return norm;
  if (c.kind === 'linear') return 2 * d * d + d + norm;
  const w = c.width!;
  let flops = c.layerNorm ? 8 * d : 0; // mean, centre, square, mean, rsqrt-scale, gain, bias (≈)
  let fanIn = d;
  for (let i = 0; i < c.depth!; i++) {
    flops += 2 * fanIn * w + w + w; // matmul, bias, activation
    fanIn = w;
  }
  flops += 2 * w * d + d + d; // output matmul, bias, residual add
  return flops + norm;
}

// ---- save / load ---------------------------------------------------------------------------------

export const CORRECTOR_JSON = 'corrector.json';
const FORMAT = 'freshcache-corrector';
const FORMAT_VERSION = 1;

interface SavedManifest {
  format: string;
  version: number;
  config: ResolvedCorrectorConfig;
  tensors: { name: string; shape: number[] }[];
  weightsFile: string;
  bytes: number;
  sha256: string;
}

/**
 * Saves a corrector into `dir` atomically: the weights go to `corrector-<sha256 prefix>.bin`
 * (little-endian float32, tensors concatenated in variables() order), then `corrector.json` (format,
 * config, tensor names and shapes, checksum) is renamed into place; that rename is the commit point.
 * Older weight files in `dir` are removed after the commit. A crash at any point leaves either the old
 * or the new saved corrector readable.
 */
export async function saveCorrector(corrector: Corrector, dir: string): Promise<void> {
  const weights = await corrector.getWeights();
  const total = weights.reduce((s, w) => s + w.length, 0);
  const buf = new Float32Array(total);
  let off = 0;
  for (const w of weights) {
    buf.set(w, off);
    off += w.length;
  }
  const bytes = littleEndianBytes(buf);
  const digest = sha256(bytes);
  const weightsFile = `corrector-${digest.slice(0, 16)}.bin`;
  fs.mkdirSync(dir, { recursive: true });
  writeFileAtomic(path.join(dir, weightsFile), bytes);
  const manifest: SavedManifest = {
    format: FORMAT,
    version: FORMAT_VERSION,
    config: corrector.config(),
    tensors: corrector.tensorNames().map((name, i) => ({ name, shape: corrector.variables()[i].shape })),
    weightsFile,
    bytes: bytes.length,
    sha256: digest,
  };
  writeJsonAtomic(path.join(dir, CORRECTOR_JSON), manifest);
  for (const f of fs.readdirSync(dir)) {
    if (/^corrector-[0-9a-f]{16}\.bin$/.test(f) && f !== weightsFile) fs.rmSync(path.join(dir, f), { force: true });
  }
}

/** Reads a saved corrector's config and weights (checked against the manifest) without building it. */
export function readSavedCorrector(dir: string): { config: ResolvedCorrectorConfig; names: string[]; weights: Float32Array[] } {
  const file = path.join(dir, CORRECTOR_JSON);
  if (!fs.existsSync(file)) throw new InputError(`${file}: no saved corrector here (expected ${CORRECTOR_JSON})`);
  let m: SavedManifest;
  try {
    m = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new InputError(`${file}: not valid JSON (${(e as Error).message})`);
  }
  if (m.format !== FORMAT) throw new InputError(`${file}: format '${m.format}' is not '${FORMAT}'`);
  if (m.version !== FORMAT_VERSION) throw new InputError(`${file}: format version ${m.version} is not supported (this reader knows ${FORMAT_VERSION})`);
  const wfile = path.join(dir, m.weightsFile);
  if (!fs.existsSync(wfile)) throw new InputError(`${wfile}: weights file named by ${CORRECTOR_JSON} is missing`);
  const bytes = fs.readFileSync(wfile);
  if (bytes.length !== m.bytes) throw new InputError(`${wfile}: expected ${m.bytes} bytes, found ${bytes.length}`);
  if (sha256(bytes) !== m.sha256) throw new InputError(`${wfile}: checksum does not match ${CORRECTOR_JSON}`);
  const all = fromLittleEndianBytes(bytes);
  const weights: Float32Array[] = [];
  let off = 0;
  for (const t of m.tensors) {
    const n = t.shape.reduce((a, b) => a * b, 1);
    weights.push(all.slice(off, off + n));
    off += n;
  }
  if (off !== all.length) throw new InputError(`${wfile}: ${all.length} values but the manifest's tensors need ${off}`);
  return { config: resolveCorrectorConfig(m.config), names: m.tensors.map((t) => t.name), weights };
}

/** Builds the corrector saved in `dir` (by saveCorrector / Corrector.save) with its weights. */
export function loadCorrector(dir: string): Corrector {
  const saved = readSavedCorrector(dir);
  const c = buildCorrector(saved.config);
  try {
    const names = c.tensorNames();
    if (JSON.stringify(names) !== JSON.stringify(saved.names)) {
      throw new InputError(`${path.join(dir, CORRECTOR_JSON)}: tensors ${saved.names.join(', ')} do not match the network's ${names.join(', ')}`);
    }
    c.setWeights(saved.weights);
  } catch (e) {
    c.dispose();
    throw e;
  }
  return c;
}

const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function littleEndianBytes(a: Float32Array): Uint8Array {
  const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  if (littleEndian) return bytes;
  const out = new Uint8Array(bytes.length);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < a.length; i++) dv.setFloat32(4 * i, a[i], true);
  return out;
}

function fromLittleEndianBytes(b: Uint8Array): Float32Array {
  const n = Math.floor(b.length / 4);
  const out = new Float32Array(n);
  const dv = new DataView(b.buffer, b.byteOffset, n * 4);
  for (let i = 0; i < n; i++) out[i] = dv.getFloat32(4 * i, true);
  return out;
}
