/** log Σ_j exp(β·x_j), computed stably (max subtracted first). */
export function logSumExp(x: ArrayLike<number>, beta = 1): number {
  let m = -Infinity;
  for (let j = 0; j < x.length; j++) m = Math.max(m, beta * x[j]);
  if (m === -Infinity) return -Infinity;
  let s = 0;
  for (let j = 0; j < x.length; j++) s += Math.exp(beta * x[j] - m);
  return m + Math.log(s);
}
