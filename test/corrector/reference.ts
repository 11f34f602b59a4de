/**
 * Float64 plain-JS reference of the correctors and their losses, for finite-difference gradient
 * checks (test helper, not a test file). Written independently of src/ on purpose (a check that
 * shared src/theory/branch.ts's activations would pass with the same bug on both sides), so
 * `duplicates` pairs its activation switch with branch.ts's: deliberate.
 */
export type Mat = number[][];

export interface RefConfig {
  kind: 'mlp' | 'linear' | 'identity';
  depth?: number;
  activation?: 'relu' | 'gelu' | 'tanh' | 'silu';
  layerNorm?: boolean;
  normalizeOutput?: boolean;
}

/** erf in float64: Taylor series for |x| < 3, continued fraction for erfc beyond. */
export function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 3) {
    let term = x;
    let sum = x;
    for (let n = 1; n < 100; n++) {
      term *= (-x * x) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  let K = ax;
  for (let k = 80; k >= 1; k--) K = ax + k / 2 / K;
  const erfc = Math.exp(-ax * ax) / (Math.sqrt(Math.PI) * K);
  return Math.sign(x) * (1 - erfc);
}

function act(x: number, a: RefConfig['activation']): number {
  switch (a) {
    case 'relu':
      return Math.max(0, x);
    case 'tanh':
      return Math.tanh(x);
    case 'silu':
      return x / (1 + Math.exp(-x));
    case 'gelu':
      return 0.5 * x * (1 + erf(x / Math.SQRT2));
  }
  throw new Error('activation');
}

/** x [n, in] · W (flat [in, out]) + b [out]. */
function affine(x: Mat, W: ArrayLike<number>, b: ArrayLike<number>, out: number): Mat {
  return x.map((row) => {
    const y = new Array(out).fill(0);
    for (let j = 0; j < out; j++) {
      let s = b[j];
      for (let i = 0; i < row.length; i++) s += row[i] * W[i * out + j];
      y[j] = s;
    }
    return y;
  });
}

/** h(e) with weights in the corrector's variables() order (see networks.ts). */
export function refApply(cfg: RefConfig, weights: ArrayLike<number>[], e: Mat, dim: number): Mat {
  let y: Mat;
  if (cfg.kind === 'identity') y = e.map((r) => r.slice());
  else if (cfg.kind === 'linear') y = affine(e, weights[0], weights[1], dim);
  else {
    let k = 0;
    let x = e.map((r) => r.slice());
    if (cfg.layerNorm) {
      const g = weights[k++];
      const be = weights[k++];
      x = x.map((r) => {
        const mean = r.reduce((a, b) => a + b, 0) / r.length;
        const v = r.reduce((a, b) => a + (b - mean) ** 2, 0) / r.length;
        return r.map((z, j) => ((z - mean) / Math.sqrt(v + 1e-5)) * g[j] + be[j]);
      });
    }
    const depth = cfg.depth ?? 1;
    for (let l = 0; l <= depth; l++) {
      const W = weights[k++];
      const b = weights[k++];
      x = affine(x, W, b, b.length);
      if (l < depth) x = x.map((r) => r.map((z) => act(z, cfg.activation)));
    }
    y = e.map((r, i) => r.map((z, j) => z + x[i][j]));
  }
  if (cfg.normalizeOutput) y = y.map((r) => {
    const n = Math.max(Math.sqrt(r.reduce((a, b) => a + b * b, 0)), 1e-12);
    return r.map((z) => z / n);
  });
  return y;
}

export function refMse(corrected: Mat, fresh: Mat): number {
  let s = 0;
  corrected.forEach((r, i) => r.forEach((z, j) => (s += (z - fresh[i][j]) ** 2)));
  return s / corrected.length;
}

function logSoftmax(z: number[]): number[] {
  const m = Math.max(...z);
  const lse = m + Math.log(z.reduce((a, b) => a + Math.exp(b - m), 0));
  return z.map((v) => v - lse);
}

function logits(q: Mat, t: Mat, cand: number[][], beta: number): Mat {
  return cand.map((row, i) => row.map((c) => beta * q[i].reduce((a, qv, j) => a + qv * t[c][j], 0)));
}

export function refSoftmaxKl(q: Mat, corrected: Mat, fresh: Mat, cand: number[][], beta: number): number {
  const lp = logits(q, fresh, cand, beta).map(logSoftmax);
  const lq = logits(q, corrected, cand, beta).map(logSoftmax);
  let s = 0;
  lp.forEach((r, i) => r.forEach((v, c) => (s += Math.exp(v) * (v - lq[i][c]))));
  return s / q.length;
}

export function refSoftmaxCe(q: Mat, corrected: Mat, cand: number[][], positives: number[], beta: number): number {
  const lq = logits(q, corrected, cand, beta).map(logSoftmax);
  return -lq.reduce((a, r, i) => a + r[positives[i]], 0) / q.length;
}

/** Splits a flat row-major array into rows. */
export function toMat(a: ArrayLike<number>, dim: number): Mat {
  const out: Mat = [];
  for (let i = 0; i < a.length / dim; i++) out.push(Array.from({ length: dim }, (_, j) => a[i * dim + j]));
  return out;
}
