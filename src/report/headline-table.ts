/**
 * The headline summary as Markdown (what the README quotes and `npm start -- --sweep headline`
 * prints): the reduction factors per drift speed and regime, the corrector's knobs at the default
 * drift, and every row with its accuracy, costs and telemetry.
 */
import { COST_MEASURES, COST_MEASURE_NAMES, type HeadlineFactor, type HeadlineGroup, type HeadlineRow, type HeadlineSummary } from './headline';
import { formatBracket, formatFactor, formatFactorRange } from './reduction-factor';

const f3 = (x: number | undefined) => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(3) : '–');
const passes = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const sci = (x: number) => (Number.isFinite(x) ? x.toExponential(2) : '–');

/** `lr×0.25 (5e-4)`: the drift speed as a multiple of the default encoder learning rate. */
export function driftName(g: HeadlineGroup, defaultLr: number): string {
  return `lr×${g.drift} (${+(defaultLr * g.drift).toPrecision(3)})`;
}

function factorCell(f: HeadlineFactor | undefined): string {
  if (!f) return '–';
  const seeds = f.range && f.perSeed.length > 1 ? ` (seeds ${formatFactorRange(f.range)})` : '';
  return `${formatFactor(f.mean)}${seeds}`;
}

type FirstColumn = { header: string; cell: (r: HeadlineRow) => string };

function factorTable(summary: HeadlineSummary, correctors: readonly HeadlineRow[], first: readonly FirstColumn[]): string[] {
  const header = [...first.map((c) => c.header), 'corrector dev MRR@10', ...COST_MEASURES.map((m) => `${COST_MEASURE_NAMES[m].name}`), 'runs bracketing (a)'];
  const lines = [`| ${header.join(' | ')} |`, `|${header.map((_, i) => (i < first.length ? '---' : '---:')).join('|')}|`];
  for (const c of correctors) {
    const fs = COST_MEASURES.map((m) => summary.factors.find((f) => f.corrector === c.label && f.measure === m));
    const acc = c.seeds.length > 1 ? `${f3(c.devMrr10.mean)} ± ${f3(c.devMrr10.sd)}` : f3(c.devMrr10.mean);
    lines.push(`| ${[...first.map((f) => f.cell(c)), acc, ...fs.map(factorCell), fs[0] ? formatBracket(fs[0].mean) : '–'].join(' | ')} |`);
  }
  return lines;
}

const CORRECTOR_COLUMN: FirstColumn = { header: 'corrector', cell: (r) => r.label };

/** What the factor tables mean, printed under them. */
export function factorNote(summary: HeadlineSummary): string {
  const p = summary.meta.projection;
  return [
    'Reduction factor: the cost a refresh:R schedule needs to reach the corrector\'s dev MRR@10 (read off the refresh curve, stale to the most frequent refresh, interpolated in log cost), over the corrector\'s own cost.',
    'Columns, left to right: (a) corpus passes including the initial cache build (the paper\'s "4–80x less re-embedding"); (b) all target-encoder forward passes, per-step fresh encodes included; (c) total FLOPs with the corrector\'s included; (c′) (c) projected for a',
    `${p.encoder} target encoder at ${p.tokens} tokens per text (${sci(p.flopsPerText)} FLOP per text; corrector FLOPs × ${p.correctorScale.toFixed(2)}), a projection, not a measurement.`,
    '"≤" : the never-refreshed cache already reaches the corrector; "not reached at ≥ X": no refresh schedule tried reaches it. Factor from the seed means; in brackets the range of the per-seed factors (each seed\'s own curve and corrector).',
  ].join(' ');
}

/** The reduction factors of the base corrector per regime and drift speed. */
export function formatFactorTable(summary: HeadlineSummary): string {
  const base = summary.rows.filter((r) => r.group.role === 'corrector' && r.group.knob === '');
  const drift = (r: HeadlineRow) => `${r.group.regime === 'default' ? '' : `${r.group.regime}: `}${driftName(r.group, summary.meta.defaultLr)}`;
  return [...factorTable(summary, base, [{ header: 'drift (encoder lr)', cell: drift }, CORRECTOR_COLUMN]), '', factorNote(summary)].join('\n');
}

/** The corrector's knobs at the default drift, each with its reduction factors against the default curve. */
export function formatKnobTable(summary: HeadlineSummary): string {
  const knobs = summary.rows.filter((r) => r.group.role === 'corrector' && r.group.regime === 'default' && r.group.drift === 1);
  return factorTable(summary, knobs, [CORRECTOR_COLUMN]).join('\n');
}

/** Every row: accuracy over seeds, the cost measures, and the probe's telemetry at the last logged step. */
export function formatHeadlineRows(summary: HeadlineSummary): string {
  const header = ['run', 'seeds', 'dev MRR@10 mean ± sd [min, max]', 'test MRR@10', '(a) corpus passes', '(b) target encodes (passes)', '(c) FLOP', 'staleness', 'corrector error', 'top-10 overlap stale / corrected'];
  const lines = [`| ${header.join(' | ')} |`, `|${header.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`];
  for (const r of summary.rows) {
    const d = r.devMrr10;
    const t = r.telemetry;
    lines.push(`| ${[
      r.label, String(r.seeds.length), `${f3(d.mean)} ± ${f3(d.sd)} [${f3(d.min)}, ${f3(d.max)}]`, f3(r.testMrr10),
      passes(r.cost.corpusPasses), passes(r.cost.targetEncodes), sci(r.cost.flops),
      f3(t.staleness), f3(t.correctorError), t.overlapStale === undefined ? '–' : `${f3(t.overlapStale)} / ${f3(t.overlapCorrected)}`,
    ].join(' | ')} |`);
  }
  return [...lines, '', 'Staleness: mean ‖g_t(y) − g′(y)‖ over the probe rows at the last logged step; corrector error: mean ‖h(g′(y)) − g_t(y)‖; overlap: top-10 agreement of the (corrected) cache with the fresh encoder.'].join('\n');
}
