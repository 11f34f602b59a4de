/**
 * Negative-sampling strategies, all run by the one loop in loop.ts. A strategy is plain data parsed
 * from a label such as `corrector+refresh:500`; the loop reads its fields at the few points where
 * strategies differ (what the cache holds, whether h corrects it, what is written back).
 *
 *   in-batch        in-batch negatives only; no cache
 *   stale           negatives from the cache built once by the initial encoder, never refreshed
 *   refresh:R       the whole corpus re-encoded into the cache every R steps (ANCE-style)
 *   refresh-on-use  the selected negatives' fresh embeddings written back (Negative-Cache style)
 *   corrector       negatives from corrected logits β⟨f(x), h(g′(y))⟩, cache never refreshed (the
 *                   paper's setting); combinable: corrector+refresh:R, corrector+refresh-on-use
 *   oracle          fresh embeddings of every target every step (upper bound; small corpora only)
 *   bm25[:N]        static BM25 hard negatives (DPR's choice for NQ): each query's top N BM25
 *                   passages that are not relevant to it, mined once before step 0 (bm25.ts); each
 *                   step samples `negatives` of them (N = 30 unless given; bm25:k with k = negatives
 *                   always takes the first k). No cache, so no re-embedding.
 *
 * In-batch negatives (config.inBatchNegatives) add to any of them, as in DPR.
 */
import { InputError } from '../util/errors';

export interface Strategy {
  /** Canonical label, e.g. 'corrector+refresh:500'. */
  label: string;
  /** Negatives come from a cache (false for in-batch and bm25). */
  usesCache: boolean;
  /** Logits over the cache go through the corrector h. */
  corrector: boolean;
  /** Re-encode the whole corpus every this many steps (null: never). */
  refreshEvery: number | null;
  /** Write the fresh embeddings of selected targets back into the cache. */
  refreshOnUse: boolean;
  /** Score against fresh embeddings of every target each step. */
  oracle: boolean;
  /** Negatives sampled from each query's top this many BM25 passages, mined once (null: not bm25). */
  bm25Depth: number | null;
}

export const STRATEGY_NAMES = ['in-batch', 'stale', 'refresh:R', 'refresh-on-use', 'corrector', 'oracle', 'bm25[:N]'];

/** The BM25 depth of a bare `bm25`: the passages per query its negatives are sampled from [design]. */
export const DEFAULT_BM25_DEPTH = 30;

/** Parses a strategy label; `source` names where it came from for the error message. */
export function parseStrategy(label: string, source = '--strategies'): Strategy {
  const parts = label.trim().split('+').map((p) => p.trim()).filter(Boolean);
  if (parts.length === 0) throw new InputError(`${source}: empty strategy; expected one of ${STRATEGY_NAMES.join(', ')}`);
  const s: Strategy = { label: '', usesCache: true, corrector: false, refreshEvery: null, refreshOnUse: false, oracle: false, bm25Depth: null };
  const bad = (why: string) => new InputError(`${source}: bad strategy '${label}': ${why}; expected one of ${STRATEGY_NAMES.join(', ')} (corrector combines with refresh:R and refresh-on-use, e.g. corrector+refresh:500)`);
  const seen = new Set<string>();
  for (const p of parts) {
    const [name, arg] = p.split(':');
    if (seen.has(name)) throw bad(`'${name}' given twice`);
    seen.add(name);
    switch (name) {
      case 'in-batch':
      case 'stale':
      case 'oracle':
        if (parts.length > 1) throw bad(`'${name}' does not combine with others`);
        if (arg !== undefined) throw bad(`'${name}' takes no argument`);
        if (name === 'in-batch') s.usesCache = false;
        if (name === 'oracle') s.oracle = true;
        break;
      case 'bm25': {
        if (parts.length > 1) throw bad(`'bm25' does not combine with others`);
        const n = arg === undefined ? DEFAULT_BM25_DEPTH : Number(arg);
        if (!Number.isInteger(n) || n < 1) throw bad(`bm25 takes a depth N ≥ 1 (the top N BM25 passages negatives are sampled from), as bm25:30`);
        s.usesCache = false;
        s.bm25Depth = n;
        break;
      }
      case 'refresh': {
        const r = Number(arg);
        if (!Number.isInteger(r) || r < 1) throw bad(`refresh needs a step interval R ≥ 1, as refresh:500`);
        s.refreshEvery = r;
        break;
      }
      case 'refresh-on-use':
        if (arg !== undefined) throw bad(`'refresh-on-use' takes no argument`);
        s.refreshOnUse = true;
        break;
      case 'corrector':
        if (arg !== undefined) throw bad(`'corrector' takes no argument (set its size with --corrector-* options)`);
        s.corrector = true;
        break;
      default:
        throw bad(`unknown part '${p}'`);
    }
  }
  if (s.refreshEvery !== null && s.refreshOnUse && !s.corrector) throw bad(`refresh:R and refresh-on-use combine only with corrector`);
  s.label = [
    ...(s.bm25Depth !== null ? [s.bm25Depth === DEFAULT_BM25_DEPTH ? 'bm25' : `bm25:${s.bm25Depth}`] : []),
    ...(s.usesCache || s.bm25Depth !== null ? [] : ['in-batch']),
    ...(s.oracle ? ['oracle'] : []),
    ...(s.corrector ? ['corrector'] : []),
    ...(s.refreshEvery !== null ? [`refresh:${s.refreshEvery}`] : []),
    ...(s.refreshOnUse ? ['refresh-on-use'] : []),
  ].join('+') || 'stale';
  return s;
}
