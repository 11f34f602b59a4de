/**
 * Brute-force references for the theory tests, written independently of src/theory: Jacobi
 * eigenvalues of a symmetric matrix, the exact spectral norm √λ_max(WᵀW), and the complexity
 * formulas computed directly from small hand-built augmented matrices.
 */

/** Eigenvalues of a symmetric n×n matrix (row-major) by cyclic Jacobi rotations. */
export function jacobiEigenvalues(a: Float64Array, n: number): number[] {
  const m = Float64Array.from(a);
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += m[p * n + q] ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = m[p * n + q];
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (m[q * n + q] - m[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = m[k * n + p];
          const akq = m[k * n + q];
          m[k * n + p] = c * akp - s * akq;
          m[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = m[p * n + k];
          const aqk = m[q * n + k];
          m[p * n + k] = c * apk - s * aqk;
          m[q * n + k] = s * apk + c * aqk;
        }
      }
    }
  }
  return Array.from({ length: n }, (_, i) => m[i * n + i]);
}

/** Exact ‖W‖₂ = √(λ_max(WᵀW)) via Jacobi. */
export function exactSpectralNorm(w: { data: ArrayLike<number>; rows: number; cols: number }): number {
  const { rows, cols, data } = w;
  const g = new Float64Array(cols * cols);
  for (let i = 0; i < cols; i++)
    for (let j = 0; j < cols; j++) {
      let s = 0;
      for (let r = 0; r < rows; r++) s += data[r * cols + i] * data[r * cols + j];
      g[i * cols + j] = s;
    }
  return Math.sqrt(Math.max(0, ...jacobiEigenvalues(g, cols)));
}

/** Σ over columns of their L2 norms. */
export function col21(w: number[][]): number {
  let s = 0;
  for (let j = 0; j < w[0].length; j++) s += Math.sqrt(w.reduce((acc, row) => acc + row[j] * row[j], 0));
  return s;
}

export function frob(w: number[][]): number {
  return Math.sqrt(w.flat().reduce((s, x) => s + x * x, 0));
}

export function spec(w: number[][]): number {
  return exactSpectralNorm({ data: w.flat(), rows: w.length, cols: w[0].length });
}
