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
 */
import { InputError } from '../util/errors';

export interface Strategy {
  /** Canonical label, e.g. 'corrector+refresh:500'. */
  label: string;
  /** Negatives come from a cache (false only for in-batch). */
  usesCache: boolean;
  /** Logits over the cache go through the corrector h. */
  corrector: boolean;
  /** Re-encode the whole corpus every this many steps (null: never). */
  refreshEvery: number | null;
  /** Write the fresh embeddings of selected targets back into the cache. */
  refreshOnUse: boolean;
  /** Score against fresh embeddings of every target each step. */
  oracle: boolean;
}

export const STRATEGY_NAMES = ['in-batch', 'stale', 'refresh:R', 'refresh-on-use', 'corrector', 'oracle'];

/** Parses a strategy label; `source` names where it came from for the error message. */
export function parseStrategy(label: string, source = '--strategies'): Strategy {
  const parts = label.trim().split('+').map((p) => p.trim()).filter(Boolean);
  if (parts.length === 0) throw new InputError(`${source}: empty strategy; expected one of ${STRATEGY_NAMES.join(', ')}`);
  const s: Strategy = { label: '', usesCache: true, corrector: false, refreshEvery: null, refreshOnUse: false, oracle: false };
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
    ...(s.usesCache ? [] : ['in-batch']),
    ...(s.oracle ? ['oracle'] : []),
    ...(s.corrector ? ['corrector'] : []),
    ...(s.refreshEvery !== null ? [`refresh:${s.refreshEvery}`] : []),
    ...(s.refreshOnUse ? ['refresh-on-use'] : []),
  ].join('+') || 'stale';
  return s;
}
