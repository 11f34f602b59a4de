/**
 * estimateBound: the generalization bound of docs/theory.md, term by term, for a trained corrector
 * and m fresh pairs (g′(y_i), g(y_i)):
 *
 *   E ℓ ≤ (1/m) Σ ℓ(h, y_i) + 2 𝓡_m(ℓ∘H) + B √(ln(1/δ) / (2m)),   ℓ(h, y) = ‖h(g′(y)) − g(y)‖,
 *   B = max‖g − g′‖ (staleness) + sup‖Δ(g′)‖ (correction), Δ = h − id,
 *
 * plus, given query embeddings f(x) and β, the logit-error and truncated-softmax-gap bounds
 * ε = β‖f(x)‖·ℓ, |log P_h − log P| ≤ 2ε, KL(P‖P_h) ≤ min(2ε, ε²/2); and, given held-out pairs, the
 * measured errors beside the bound. Returns a table of terms (name, value, units, meaning, source).
 */
import { buildCorrector, Corrector } from '../corrector/networks';
import { correctRows } from '../corrector/fit';
import { logits } from '../cache/staleness';
import { logSumExp, meanSoftmaxKl } from '../util/softmax';
import { InputError } from '../util/errors';
import { extractBranch } from './branch';
import { branchNorms, spectralRademacher, frobeniusRademacher, RademacherEstimate, LayerNorms } from './complexity';

/** Where a term comes from: the paper's statement, standard learning theory, or our own derivation. */
export type TermSource = 'paper' | 'standard' | 'ours';

/** One row of the bound's table. */
export interface BoundTerm {
  /** Stable key, e.g. 'empirical', 'rademacher.spectral', 'total.spectral'. */
  key: string;
  name: string;
  value: number;
  /** 'embedding L2' (the units of ‖g(y)‖), 'logits' (β-scaled), 'nats', 'count', '1'. */
  units: string;
  meaning: string;
  source: TermSource;
}

/** Paired rows: stale g′(y) and fresh g(y), row-major [m, dim]. */
export interface Pairs {
  stale: Float32Array;
  fresh: Float32Array;
  dim: number;
}

export interface EstimateBoundOptions {
  /** Failure probability δ of the bound; default 0.05. */
  delta?: number;
  /** Which complexity estimates; default 'both'. */
  complexity?: 'spectral' | 'frobenius' | 'both';
  /** Query embeddings f(x), row-major [nq, dim], for the logit and softmax rows. */
  queries?: Float32Array;
  /** Inverse temperature β of the softmax; default 1. */
  beta?: number;
  /** Held-out pairs (not used for training): measured error beside the bound. */
  heldOut?: { stale: Float32Array; fresh: Float32Array };
  /** R, a bound on ‖g′(y)‖ over the cache; default: the max over the pairs (and held-out stale rows). */
  inputRadius?: number;
  /** A bound on ‖g(y) − g′(y)‖ over the cache; default: the max over the pairs (and held-out rows). */
  maxStaleness?: number;
  /** Power iteration tolerance / most iterations; defaults: see spectralNorm (host 1e-9 / 2000, tf 1e-7 / 5000). */
  powerTol?: number;
  powerMaxIter?: number;
  /** Held-out rows used in the measured softmax rows (truncated set S = these rows); default 2000. */
  maxSoftmaxRows?: number;
}

export interface BoundEstimate {
  /** The table, in print order. */
  terms: BoundTerm[];
  kind: Corrector['kind'];
  dim: number;
  m: number;
  delta: number;
  /** (1/m) Σ ℓᵢ over the pairs (of the unnormalised output when the corrector normalises). */
  empiricalError: number;
  empiricalMax: number;
  inputRadius: number;
  /** max ‖g − g′‖ (the staleness part of B). */
  staleness: number;
  /** sup ‖Δ(g′)‖ over the class (the correction part of B), and its max over the pairs. */
  branchBound: number;
  branchMaxOnPairs: number;
  lossBound: number;
  confidence: number;
  rademacher: { spectral?: RademacherEstimate; frobenius?: RademacherEstimate };
  /** Totals per estimate (× the normalisation factor when the corrector normalises its output). */
  total: { spectral?: number; frobenius?: number };
  /** Smallest valid total, capped at B·factor (E ℓ ≤ B always). */
  bound: number;
  /** Smallest valid total with the uncapped Rademacher estimates (shows how far from non-vacuous). */
  boundUncapped: number;
  /** 2 when the corrector L2-normalises its output (E‖n(u) − g‖ ≤ 2E‖u − g‖ for unit g), else 1. */
  outputFactor: number;
  layers: LayerNorms[];
  logit?: {
    beta: number;
    maxQueryNorm: number;
    meanQueryNorm: number;
    /** β·max‖f‖·max_i ℓᵢ: sup logit error estimated from the pairs. */
    epsilonEmpirical: number;
    /** β·max‖f‖·B·factor: guaranteed sup logit error over the class. */
    epsilonGuaranteed: number;
    /** β·mean‖f‖·bound: bound on the mean |logit error| over targets drawn like the pairs. */
    meanLogitErrorBound: number;
  };
  heldOut?: {
    rows: number;
    meanError: number;
    maxError: number;
    /** Held-out mean error ≤ bound. */
    holds: boolean;
    measuredMaxLogitError?: number;
    measuredMeanLogitError?: number;
    measuredMaxLogProbGap?: number;
    measuredKl?: number;
  };
  seconds: number;
}

/** Row norms ‖x_i‖ of a row-major array. */
function rowNorms(x: Float32Array, d: number): Float64Array {
  const n = x.length / d;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = i * d; j < (i + 1) * d; j++) s += x[j] * x[j];
    out[i] = Math.sqrt(s);
  }
  return out;
}

/** ‖a_i − b_i‖ for every row. */
function rowDistances(a: ArrayLike<number>, b: ArrayLike<number>, d: number): Float64Array {
  const n = a.length / d;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = i * d; j < (i + 1) * d; j++) {
      const t = a[j] - b[j];
      s += t * t;
    }
    out[i] = Math.sqrt(s);
  }
  return out;
}

const max = (a: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) if (a[i] > m) m = a[i];
  return m;
};
const mean = (a: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return a.length ? s / a.length : NaN;
};

function checkPairs(stale: Float32Array, fresh: Float32Array, d: number, what: string): number {
  if (stale.length !== fresh.length) throw new InputError(`estimate bound: ${what} stale has ${stale.length} values, fresh ${fresh.length}; they must be the same rows`);
  if (stale.length % d !== 0) throw new InputError(`estimate bound: ${what} has ${stale.length} values, not a whole number of rows of dim ${d}`);
  return stale.length / d;
}

/** The corrector's output before any output normalisation (a twin with normalizeOutput off). */
async function unnormalizedTwin(corrector: Corrector): Promise<{ twin: Corrector; owned: boolean }> {
  if (!corrector.config().normalizeOutput) return { twin: corrector, owned: false };
  const twin = buildCorrector({ ...corrector.config(), normalizeOutput: false });
  twin.setWeights(await corrector.getWeights());
  return { twin, owned: true };
}

/**
 * Estimates the generalization bound of docs/theory.md for `corrector` from m fresh pairs, term by
 * term (see the file comment); the returned `terms` is the table to print (formatBoundTable).
 * Spectral norms by power iteration on the host; the corrector is applied with tf in blocks.
 */
export async function estimateBound(corrector: Corrector, pairs: Pairs, options: EstimateBoundOptions = {}): Promise<BoundEstimate> {
  const t0 = performance.now();
  const d = pairs.dim;
  if (d !== corrector.dim) throw new InputError(`estimate bound: pairs have dim ${d}, the corrector ${corrector.dim}`);
  const m = checkPairs(pairs.stale, pairs.fresh, d, 'pairs');
  if (m < 1) throw new InputError('estimate bound: need at least one pair');
  const delta = options.delta ?? 0.05;
  if (!(delta > 0 && delta < 1)) throw new InputError(`estimate bound: delta must be in (0, 1), got ${delta}`);
  const which = options.complexity ?? 'both';
  if (!['spectral', 'frobenius', 'both'].includes(which)) throw new InputError(`estimate bound: complexity must be spectral, frobenius or both, got '${which}'`);
  const beta = options.beta ?? 1;
  if (!(beta > 0)) throw new InputError(`estimate bound: beta must be > 0, got ${beta}`);
  const nHeld = options.heldOut ? checkPairs(options.heldOut.stale, options.heldOut.fresh, d, 'held-out pairs') : 0;
  if (options.queries && options.queries.length % d !== 0) throw new InputError(`estimate bound: queries have ${options.queries.length} values, not a whole number of rows of dim ${d}`);

  const terms: BoundTerm[] = [];
  const add = (key: string, name: string, value: number, units: string, meaning: string, source: TermSource) => terms.push({ key, name, value, units, meaning, source });

  // ---- data terms
  const R = options.inputRadius ?? Math.max(max(rowNorms(pairs.stale, d)), options.heldOut ? max(rowNorms(options.heldOut.stale, d)) : 0);
  const stalenessPairs = rowDistances(pairs.stale, pairs.fresh, d);
  const staleness =
    options.maxStaleness ?? Math.max(max(stalenessPairs), options.heldOut ? max(rowDistances(options.heldOut.stale, options.heldOut.fresh, d)) : 0);
  const { twin, owned } = await unnormalizedTwin(corrector);
  let corrected: Float32Array;
  try {
    corrected = await correctRows(twin, pairs.stale);
  } finally {
    if (owned) twin.dispose();
  }
  const losses = rowDistances(corrected, pairs.fresh, d);
  const branchOnPairs = rowDistances(corrected, pairs.stale, d);
  const empiricalError = mean(losses);
  const normalizes = corrector.config().normalizeOutput;
  const outputFactor = normalizes ? 2 : 1;

  // ---- network terms
  const branch = await extractBranch(corrector);
  const norms = await branchNorms(branch, R, { powerTol: options.powerTol, powerMaxIter: options.powerMaxIter });
  const lossBound = staleness + norms.branchBound;
  const confidence = lossBound * Math.sqrt(Math.log(1 / delta) / (2 * m));
  const rademacher: BoundEstimate['rademacher'] = {};
  if (which !== 'frobenius') rademacher.spectral = spectralRademacher(norms, m, lossBound);
  if (which !== 'spectral') rademacher.frobenius = frobeniusRademacher(branch, norms, m, lossBound);
  const total: BoundEstimate['total'] = {};
  let best = Infinity;
  let bestUncapped = Infinity;
  for (const r of [rademacher.spectral, rademacher.frobenius]) {
    if (!r) continue;
    const t = outputFactor * (empiricalError + 2 * r.value + confidence);
    total[r.kind] = t;
    if (r.valid) {
      best = Math.min(best, t);
      bestUncapped = Math.min(bestUncapped, outputFactor * (empiricalError + 2 * r.uncapped + confidence));
    }
  }
  const bound = Math.min(best, outputFactor * lossBound);

  const emb = 'embedding L2';
  add('m', 'pairs m', m, 'count', 'fresh pairs (g′(y), g(y)) the empirical term averages over; assumed i.i.d. from the cache distribution', 'paper');
  add('empirical', 'empirical error', empiricalError, emb, `(1/m) Σ ‖h(g′(yᵢ)) − g(yᵢ)‖${normalizes ? ' of the output before L2 normalisation' : ''}`, 'standard');
  add('inputRadius', 'input radius R', R, emb, options.inputRadius !== undefined ? 'given bound on ‖g′(y)‖' : 'max ‖g′(y)‖ over the pairs (an estimate of the bound over the cache)', 'standard');
  if (norms.branchRadius !== R) add('branchRadius', 'branch input radius', norms.branchRadius, emb, 'bound on ‖LN(g′(y))‖ = ‖γ‖_∞√d + ‖β‖ (LayerNorm on the branch input)', 'ours');
  add('staleness', 'B: staleness part', staleness, emb, options.maxStaleness !== undefined ? 'given bound on ‖g(y) − g′(y)‖' : 'max ‖g(y) − g′(y)‖ over the pairs: how stale the cache is', 'paper');
  add('branchBound', 'B: correction part', norms.branchBound, emb, 'sup ‖Δ(g′)‖, Δ = h − id, over ‖g′‖ ≤ R: z₀ = R, zᵢ = ρᵢ(‖Wᵢ‖₂ zᵢ₋₁ + ‖bᵢ‖)', 'ours');
  add('branchMaxOnPairs', '  max ‖Δ(g′)‖ on pairs', max(branchOnPairs), emb, 'the same measured on the pairs (≤ the line above)', 'ours');
  add('lossBound', 'loss bound B', lossBound, emb, 'ℓ = ‖Δ(g′) − (g − g′)‖ ≤ ‖Δ(g′)‖ + ‖g − g′‖', 'ours');
  add('confidence', `confidence term (δ = ${delta})`, confidence, emb, 'B √(ln(1/δ) / (2m)) (McDiarmid)', 'standard');
  for (const l of norms.layers) {
    add(`layer.${l.name}`, `layer ${l.name} [${l.shape.join('×')}]`, l.spectral, '1', `‖W‖₂ (power iteration, ${l.powerIterations} its${l.converged ? '' : ', NOT converged'}); ‖W‖_F ${fmt(l.frobenius)}, ‖W‖_{2,1} ${fmt(l.norm21)}, ‖b‖ ${fmt(l.biasNorm)}; augmented ‖Ŵ‖₂ ${fmt(l.augSpectral)}, ‖Ŵ−M̂‖_{2,1} ${fmt(l.augNorm21)}, ‖Ŵ‖_F ${fmt(l.augFrobenius)}; ρ ${fmt(l.lipschitz)}`, 'standard');
  }
  if (rademacher.spectral) {
    const r = rademacher.spectral;
    add('capacity.spectral', 'spectral complexity A', r.capacity, '1', '∏ρ̂ᵢ‖Ŵᵢ‖₂ · (Σ(‖Ŵᵢ−M̂ᵢ‖_{2,1}/‖Ŵᵢ‖₂)^{2/3})^{3/2} (Bartlett–Foster–Telgarsky)', 'standard');
    add('rademacher.spectral', '𝓡_m, spectral', r.value, emb, `(12C/√m)(1 + ln(B√m/3C)), C = R̂√ln(2W²)·A = ${fmt(r.scale ?? 0)}; capped at B${r.uncapped > r.value ? ` (uncapped ${fmt(r.uncapped)})` : ''}`, 'ours');
  }
  if (rademacher.frobenius) {
    const r = rademacher.frobenius;
    add('rademacher.frobenius', '𝓡_m, Frobenius', r.value, emb, `√2·R̂·c_L·∏_{i<L}‖Ŵᵢ‖_F·Σ_k‖Ŵ_L[:,k]‖/√m (c_L = √(2ln2·L)+1, c₁ = 1; Golowich–Rakhlin–Shamir + Maurer)${r.valid ? '' : `; NOT VALID: ${r.note}`}${r.uncapped > r.value ? `; capped at B (uncapped ${fmt(r.uncapped)})` : ''}`, 'ours');
  }
  if (normalizes) add('outputFactor', 'output normalisation factor', outputFactor, '1', 'E‖u/‖u‖ − g‖ ≤ 2E‖u − g‖ for unit fresh rows g; totals are multiplied by it', 'ours');
  for (const r of [rademacher.spectral, rademacher.frobenius]) {
    if (!r) continue;
    add(`total.${r.kind}`, `bound, ${r.kind}`, total[r.kind]!, emb, `empirical + 2𝓡 + confidence${r.valid ? '' : ' (not valid, see above)'}${total[r.kind]! >= outputFactor * lossBound ? '; vacuous (≥ B)' : ''}`, 'paper');
  }
  add('bound', 'bound on E ℓ', bound, emb, `smallest valid total, capped at B; holds with probability ≥ ${1 - delta} over i.i.d. pairs`, 'ours');

  // ---- logit / softmax terms
  let logit: BoundEstimate['logit'];
  if (options.queries && options.queries.length > 0) {
    const qn = rowNorms(options.queries, d);
    const maxQ = max(qn);
    const meanQ = mean(qn);
    const epsEmp = beta * maxQ * outputFactor * max(losses);
    const epsB = beta * maxQ * outputFactor * lossBound;
    logit = { beta, maxQueryNorm: maxQ, meanQueryNorm: meanQ, epsilonEmpirical: epsEmp, epsilonGuaranteed: epsB, meanLogitErrorBound: beta * meanQ * bound };
    add('queryNorm', 'max ‖f(x)‖', maxQ, 'embedding L2', `over ${qn.length} queries (mean ${fmt(meanQ)})`, 'standard');
    add('epsilon.empirical', 'ε from the pairs', epsEmp, 'logits', `β·max‖f‖·max ℓᵢ (β = ${beta}): sup of |β⟨f, h(g′)⟩ − β⟨f, g⟩| if the pairs' max is the cache's`, 'ours');
    add('epsilon.guaranteed', 'ε guaranteed', epsB, 'logits', 'β·max‖f‖·B: holds for every target and every h in the class', 'ours');
    add('logitMean', 'mean logit error bound', logit.meanLogitErrorBound, 'logits', 'β·mean‖f‖·(bound on E ℓ): E_y|logit error| averaged over the queries', 'ours');
    add('logProbGap.empirical', '|log P_h − log P| ≤ 2ε (pairs)', 2 * epsEmp, 'nats', 'over any truncated set S_x whose logits are all within ε', 'paper');
    add('logProbGap.guaranteed', '|log P_h − log P| ≤ 2ε (guaranteed)', 2 * epsB, 'nats', 'with ε guaranteed', 'paper');
    add('kl.empirical', 'KL(P‖P_h) ≤ min(2ε, ε²/2) (pairs)', Math.min(2 * epsEmp, (epsEmp * epsEmp) / 2), 'nats', 'truncated softmax over S_x; ε²/2 from the curvature of log-sum-exp', 'ours');
    add('kl.guaranteed', 'KL(P‖P_h) ≤ min(2ε, ε²/2) (guaranteed)', Math.min(2 * epsB, (epsB * epsB) / 2), 'nats', 'with ε guaranteed', 'ours');
  }

  // ---- held-out measurements
  let heldOut: BoundEstimate['heldOut'];
  if (options.heldOut && nHeld > 0) {
    const hc = await correctRows(corrector, options.heldOut.stale);
    const hl = rowDistances(hc, options.heldOut.fresh, d);
    heldOut = { rows: nHeld, meanError: mean(hl), maxError: max(hl), holds: mean(hl) <= bound };
    add('heldOut.mean', 'measured held-out error', heldOut.meanError, emb, `(1/n) Σ ‖h(g′) − g‖ over ${nHeld} held-out pairs; ${heldOut.holds ? '≤' : 'ABOVE'} the bound`, 'ours');
    add('heldOut.max', 'measured held-out max ℓ', heldOut.maxError, emb, 'max over the held-out pairs', 'ours');
    if (options.queries && options.queries.length > 0) {
      const nq = options.queries.length / d;
      const rows = Math.min(nHeld, options.maxSoftmaxRows ?? 2000);
      const truth = logits(options.queries, options.heldOut.fresh.subarray(0, rows * d), d);
      const corr = logits(options.queries, hc.subarray(0, rows * d), d);
      let maxErr = 0;
      let sumErr = 0;
      for (let i = 0; i < truth.length; i++) {
        const e = beta * Math.abs(truth[i] - corr[i]);
        sumErr += e;
        if (e > maxErr) maxErr = e;
      }
      const gap = maxLogProbGap(truth, corr, nq, beta);
      const kl = meanSoftmaxKl(truth, corr, nq, beta);
      Object.assign(heldOut, { measuredMaxLogitError: maxErr, measuredMeanLogitError: sumErr / truth.length, measuredMaxLogProbGap: gap, measuredKl: kl });
      add('heldOut.logitMax', 'measured max logit error', maxErr, 'logits', `max over queries × ${rows} held-out targets of β|⟨f, h(g′)⟩ − ⟨f, g⟩|`, 'ours');
      add('heldOut.logitMean', 'measured mean logit error', sumErr / truth.length, 'logits', 'mean of the same', 'ours');
      add('heldOut.logProbGap', 'measured max |log P_h − log P|', gap, 'nats', `S_x = the ${rows} held-out targets`, 'ours');
      add('heldOut.kl', 'measured mean KL(P‖P_h)', kl, 'nats', 'mean over queries, same S_x', 'ours');
    }
  }

  return {
    terms,
    kind: corrector.kind,
    dim: d,
    m,
    delta,
    empiricalError,
    empiricalMax: max(losses),
    inputRadius: R,
    staleness,
    branchBound: norms.branchBound,
    branchMaxOnPairs: max(branchOnPairs),
    lossBound,
    confidence,
    rademacher,
    total,
    bound,
    boundUncapped: bestUncapped,
    outputFactor,
    layers: norms.layers,
    logit,
    heldOut,
    seconds: (performance.now() - t0) / 1000,
  };
}

/** max over queries and targets of |log P_h(y|x) − log P(y|x)| for softmax(β·logits) per query row. */
export function maxLogProbGap(truth: Float64Array, corrected: Float64Array, nq: number, beta: number): number {
  const n = truth.length / nq;
  let worst = 0;
  for (let q = 0; q < nq; q++) {
    const a = truth.subarray(q * n, (q + 1) * n);
    const b = corrected.subarray(q * n, (q + 1) * n);
    const la = logSumExp(a, beta);
    const lb = logSumExp(b, beta);
    for (let j = 0; j < n; j++) worst = Math.max(worst, Math.abs(beta * a[j] - la - (beta * b[j] - lb)));
  }
  return worst;
}


function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const a = Math.abs(x);
  return a >= 1e5 || a < 1e-3 ? x.toExponential(3) : x.toPrecision(4);
}

/** The term table as aligned text: name, value, units, source, meaning. */
export function formatBoundTable(est: BoundEstimate): string {
  const rows = est.terms.map((t) => [t.name, t.units === 'count' ? String(t.value) : fmt(t.value), t.units, `[${t.source}]`, t.meaning]);
  const w = [0, 1, 2, 3].map((c) => Math.max(...rows.map((r) => r[c].length), ['term', 'value', 'units', 'source'][c].length));
  const line = (r: string[]) => `${r[0].padEnd(w[0])}  ${r[1].padStart(w[1])}  ${r[2].padEnd(w[2])}  ${r[3].padEnd(w[3])}  ${r[4]}`;
  return [line(['term', 'value', 'units', 'source', 'meaning']), ...rows.map(line)].join('\n');
}
