/** log Σ_j exp(β·x_j), computed stably (max subtracted first). */
export function logSumExp(x: ArrayLike<number>, beta = 1): number {
  let m = -Infinity;
  for (let j = 0; j < x.length; j++) m = Math.max(m, beta * x[j]);
  if (m === -Infinity) return -Infinity;
  let s = 0;
  for (let j = 0; j < x.length; j++) s += Math.exp(beta * x[j] - m);
  return m + Math.log(s);
}

/** Mean over queries of KL(softmax(β·p) ‖ softmax(β·q)); p, q: nq × n row-major logits. */
export function meanSoftmaxKl(p: Float64Array, q: Float64Array, nq: number, beta: number): number {
  const n = p.length / nq;
  let total = 0;
  for (let i = 0; i < nq; i++) {
    const a = p.subarray(i * n, (i + 1) * n);
    const b = q.subarray(i * n, (i + 1) * n);
    const lseA = logSumExp(a, beta);
    const lseB = logSumExp(b, beta);
    let kl = 0;
    for (let j = 0; j < n; j++) {
      const la = beta * a[j] - lseA;
      kl += Math.exp(la) * (la - (beta * b[j] - lseB));
    }
    total += kl;
  }
  return total / nq;
}
