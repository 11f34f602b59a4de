/**
 * Adam over an explicit list of tf.Variables, with its state as plain arrays for checkpoints.
 * Same update as PyTorch's torch.optim.Adam (and tfjs's, with ε outside the bias correction):
 *   m ← β₁m + (1−β₁)g,  v ← β₂v + (1−β₂)g²,  p ← p − lr · (m / (1−β₁ᵗ)) / (√v / √(1−β₂ᵗ) + ε)
 * (computed as p − (lr·√(1−β₂ᵗ)/(1−β₁ᵗ)) · m / (√v + ε·√(1−β₂ᵗ)), the same quantity).
 * Written here rather than using tf.train.adam because that one's setWeights leaks the previous
 * moment variables and looks variables up by their global names.
 */
import { tf, copyFloats } from '../tensor';
import { InputError } from '../util/errors';

export interface AdamOptions {
  learningRate: number;
  /** default 0.9 */
  beta1?: number;
  /** default 0.999 */
  beta2?: number;
  /** default 1e-8 (PyTorch's) */
  epsilon?: number;
}

/** A named array for checkpoints. */
export interface NamedArray {
  name: string;
  shape: number[];
  values: Float32Array;
}

/** Everything needed to resume Adam exactly. */
export interface AdamState {
  /** Number of updates applied so far (t). */
  step: number;
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** First and second moments, in the variables' order. */
  m: NamedArray[];
  v: NamedArray[];
}

export class Adam {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** Number of updates applied so far. */
  step = 0;
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];

  /** `names` label the state arrays (default the variables' names). */
  constructor(private readonly vars: tf.Variable[], options: AdamOptions, private readonly names: string[] = vars.map((x) => x.name)) {
    if (!(options.learningRate > 0)) throw new InputError(`adam: learning rate must be > 0, got ${options.learningRate}`);
    this.learningRate = options.learningRate;
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.epsilon = options.epsilon ?? 1e-8;
    this.m = vars.map((x) => tf.tidy(() => tf.variable(tf.zerosLike(x), false)));
    this.v = vars.map((x) => tf.tidy(() => tf.variable(tf.zerosLike(x), false)));
  }

  /** Applies one update; `grads[i]` is the gradient of variable i (null/undefined: no gradient, skipped). */
  apply(grads: (tf.Tensor | null | undefined)[]): void {
    if (grads.length !== this.vars.length) throw new Error(`adam: ${grads.length} gradients for ${this.vars.length} variables`);
    this.step++;
    const bc1 = 1 - Math.pow(this.beta1, this.step);
    const sqrtBc2 = Math.sqrt(1 - Math.pow(this.beta2, this.step));
    // lr/bc1 · m / (√v/√bc2 + ε) = (lr·√bc2/bc1) · m / (√v + ε·√bc2): one op fewer per variable
    const stepSize = (this.learningRate * sqrtBc2) / bc1;
    const eps = this.epsilon * sqrtBc2;
    tf.tidy(() => {
      const b1 = tf.scalar(this.beta1);
      const c1 = tf.scalar(1 - this.beta1);
      const b2 = tf.scalar(this.beta2);
      const c2 = tf.scalar(1 - this.beta2);
      const e = tf.scalar(eps);
      const s = tf.scalar(stepSize);
      grads.forEach((g, i) => {
        if (!g) return;
        const m = tf.add(tf.mul(this.m[i], b1), tf.mul(g, c1));
        const v = tf.add(tf.mul(this.v[i], b2), tf.mul(tf.square(g), c2));
        this.m[i].assign(m);
        this.v[i].assign(v);
        this.vars[i].assign(tf.sub(this.vars[i], tf.mul(tf.div(m, tf.add(tf.sqrt(v), e)), s)));
      });
    });
  }

  /** Copies of the state, plain data (both moment lists in one awaited device → host read). */
  async getState(): Promise<AdamState> {
    const values = await copyFloats([...this.m, ...this.v]);
    const dump = (xs: tf.Variable[], at: number) => xs.map((x, i) => ({ name: this.names[i], shape: x.shape.slice(), values: values[at + i] }));
    return { step: this.step, learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, m: dump(this.m, 0), v: dump(this.v, this.m.length) };
  }

  /** Restores a state from getState (moments matched by position; sizes checked). */
  setState(state: AdamState): void {
    if (state.m.length !== this.m.length || state.v.length !== this.v.length) {
      throw new InputError(`adam state: ${state.m.length} moment arrays for ${this.m.length} variables`);
    }
    const check = (arrs: NamedArray[], xs: tf.Variable[]) =>
      arrs.forEach((a, i) => {
        if (a.values.length !== xs[i].size) throw new InputError(`adam state: ${a.name} has ${a.values.length} values, expected ${xs[i].size}`);
      });
    check(state.m, this.m);
    check(state.v, this.v);
    tf.tidy(() => {
      state.m.forEach((a, i) => this.m[i].assign(tf.tensor(a.values, this.m[i].shape, 'float32')));
      state.v.forEach((a, i) => this.v[i].assign(tf.tensor(a.values, this.v[i].shape, 'float32')));
    });
    this.step = state.step;
    this.learningRate = state.learningRate;
    this.beta1 = state.beta1;
    this.beta2 = state.beta2;
    this.epsilon = state.epsilon;
  }

  dispose(): void {
    tf.dispose([...this.m, ...this.v]);
  }
}
