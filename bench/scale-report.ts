/**
 * The scaling benchmark's report (bench/scale.ts): the Markdown table, the goals' status, and the
 * log-log plot of per-step time against corpus size (plotly spec + PNG).
 *
 * Step time: measured under the training loop once phase 2 fills `stepSeconds`; until then
 * estimated as base + the variant's selection, base = the stale step measured at 117k by the
 * train-step bench (`--step-seconds`) − the stale selection measured here at the smallest size.
 */
import * as fs from 'fs';
import * as path from 'path';
import { writeFileAtomic, writeJsonAtomic } from '../src/util/atomic';
import { linePlot, type LineSeries } from '../src/report/figure';
import { seriesColors } from '../src/report/palette';
import { fmt, goalStatus } from './harness';
import type { SizeRecord, VariantRecord } from './scale';

interface ScaleRecord {
  date: string;
  /** The command that made the record (writeBenchRecord). */
  command?: string;
  seconds: number;
  loadAvgAtEnd: number[];
  settings: { stepSeconds: number; fraction: number; candidates: number; pool: number; batch: number; negatives: number; threads: number; queries: number; M: number; efConstruction: number };
  sizes: SizeRecord[];
}

const LABELS: Record<string, string> = {
  stale: 'stale (no h)',
  corrector: 'corrector, h on the whole cache',
  pool: 'pool: HNSW pool, h on the pool',
  amortised: 'amortised: h(g′) every K steps',
  'amortised+ann': 'amortised + HNSW pool',
};

/** Whole-step seconds of a variant at a size: measured (phase 2) or estimated (see the file comment). */
export function stepSecondsOf(rec: ScaleRecord, size: SizeRecord, v: VariantRecord): { seconds: number; measured: boolean } | null {
  if (v.stepSeconds !== null) return { seconds: v.stepSeconds, measured: true };
  const smallest = rec.sizes[0]?.select?.variants.find((x) => x.name === 'stale');
  if (!smallest) return null;
  return { seconds: rec.settings.stepSeconds - smallest.selectSeconds + v.selectSeconds, measured: false };
}

/** The goals of issue 15 item 4 on this record: overhead ≤ 30% at the smallest size, growth ≤ 2x to the largest. */
export function scaleGoals(rec: ScaleRecord): { what: string; value: number | null; status: string }[] {
  const out: { what: string; value: number | null; status: string }[] = [];
  const first = rec.sizes[0];
  const last = rec.sizes[rec.sizes.length - 1];
  const variantsOf = (s: SizeRecord | undefined) => s?.select?.variants ?? [];
  const stale0 = variantsOf(first).find((v) => v.name === 'stale');
  for (const v of variantsOf(first)) {
    if (v.name === 'stale' || !stale0) continue;
    const a = stepSecondsOf(rec, first, v);
    const b = stepSecondsOf(rec, first, stale0);
    const overhead = a && b ? a.seconds / b.seconds - 1 : null;
    out.push({ what: `${LABELS[v.name]}: overhead over a stale step at ${fmt(first.rows)} rows${a?.measured ? '' : ' (est.)'}`, value: overhead, status: goalStatus(overhead, { what: 'overhead', kind: 'at-most', target: 0.3 }).text });
  }
  if (last !== first) {
    for (const v of variantsOf(first)) {
      const w = variantsOf(last).find((x) => x.name === v.name);
      const a = stepSecondsOf(rec, first, v);
      const b = w ? stepSecondsOf(rec, last, w) : null;
      const growth = a && b ? b.seconds / a.seconds : null;
      out.push({ what: `${LABELS[v.name]}: step time ${fmt(last.rows)} / ${fmt(first.rows)} rows${b?.measured ? '' : ' (est.)'}`, value: growth, status: goalStatus(growth, { what: 'growth', kind: 'at-most', target: 2 }).text });
    }
  }
  return out;
}

/** The Markdown report. */
export function scaleMarkdown(rec: ScaleRecord): string {
  const s = rec.settings;
  const L: string[] = ['# Scaling benchmark', ''];
  L.push(`${rec.date}, \`${rec.command ?? 'npm run bench -- --only scale'}\`, ${fmt(rec.seconds)} s; load average at the end ${rec.loadAvgAtEnd.map((x) => x.toFixed(2)).join(' / ')} on a shared machine; ${s.threads} threads.`, '');
  L.push('Corpus: the WordNet default task (117,791 passages), then passages made from it (bench/scale-corpus.ts: a real passage with half its words replaced by words drawn from the corpus\'s word frequencies), embedded by the GloVe bag encoder (100-d, normalised).', '');
  L.push('## Cache and search', '');
  L.push('Wall-clock figures, and in brackets the same per CPU-second of the process (all its threads): the work done, which waiting for a core on a loaded machine does not inflate.', '');
  L.push('| rows | cache build (GloVe bag) | build peak RSS | exact top-10, on-disk f32 | HNSW build (M, ef_c) | HNSW q/s at recall@10 0.95 | HNSW sweep (ef: q/s, recall) |', '|---:|---|---:|---:|---|---:|---|');
  for (const z of rec.sizes) {
    const h = z.search.hnsw;
    const e = z.search.exact;
    L.push(`| ${fmt(z.rows)} | ${fmt(z.build.seconds)} s (${fmt(z.build.cpuSeconds)} CPU-s), ${fmt(z.build.rowsPerSecond)} rows/s, ${fmt(z.build.cacheMiB)} MiB | ${fmt(z.build.peakRssMiB)} MiB | ${fmt(e.queriesPerSecond)} q/s (${fmt(e.queriesPerCpuSecond)}); ${e.queries} queries, peak RSS ${fmt(e.peakRssMiB)} MiB | ` +
      (h ? `${fmt(h.buildSeconds)} s (${fmt(h.buildCpuSeconds)} CPU-s; ${h.M}, ${h.efConstruction}) | ${fmt(h.qpsAtRecall095)} (${fmt(h.qpsPerCpuAtRecall095)}) | ${h.sweep.map((p) => `${p.ef}: ${fmt(p.qps)} (${fmt(p.qpsPerCpu)}), ${fmt(p.recall)}`).join('; ')} |` : 'not built | – | – |'));
  }
  L.push('', `## Negative selection per training step (batch ${s.batch}, ${s.negatives} negatives, cache in memory)`, '');
  L.push(`Milliseconds per step (median), wall / CPU; rows h was applied to per step in brackets. Amortised: K = the smallest period whose materialisation costs at most ${s.fraction * 100}% of a ${s.stepSeconds} s step, per step = re-scoring + materialisation / K; ${s.candidates} candidates re-scored; the pool is ${s.pool} rows per query.`, '');
  const names = Array.from(new Set(rec.sizes.flatMap((z) => z.select?.variants.map((v) => v.name) ?? [])));
  L.push(`| rows | ${names.map((n) => LABELS[n] ?? n).join(' | ')} | select peak RSS |`, `|---:|${names.map(() => '---:').join('|')}|---:|`);
  for (const z of rec.sizes) {
    const cells = names.map((n) => {
      const v = z.select?.variants.find((x) => x.name === n);
      return v ? `${fmt(v.selectSeconds * 1000)} / ${fmt(v.selectCpuSeconds * 1000)} (${fmt(v.correctedRowsPerStep)})${v.every ? ` K=${v.every}` : ''}` : '–';
    });
    L.push(`| ${fmt(z.rows)} | ${cells.join(' | ')} | ${fmt(z.select?.peakRssMiB)} MiB |`);
  }
  L.push('', '## Goals (issue 15)', '', '| goal | value | status |', '|---|---:|---|');
  for (const g of scaleGoals(rec)) L.push(`| ${g.what} | ${fmt(g.value)} | ${g.status} |`);
  L.push('', '(est.): whole-step time = the stale step measured at 117k by the train-step bench − the stale selection measured here + the variant\'s selection; the training loop\'s own step times replace these once measured.', '');
  return L.join('\n') + '\n';
}

/** The log-log plot: selection per step (solid) and whole step (dashed; estimated until measured) against rows. */
export function scalePlot(rec: ScaleRecord) {
  const names = Array.from(new Set(rec.sizes.flatMap((z) => z.select?.variants.map((v) => v.name) ?? [])));
  const series: LineSeries[] = [];
  // one colour per variant (its selection solid, its whole step dashed), distinct across variants
  const colors = seriesColors(names);
  for (const [i, n] of names.entries()) {
    const color = colors[i];
    const pts = rec.sizes.flatMap((z) => {
      const v = z.select?.variants.find((x) => x.name === n);
      return v ? [{ z, v }] : [];
    });
    series.push({ name: `${LABELS[n] ?? n}: selection`, x: pts.map((p) => p.z.rows), y: pts.map((p) => p.v.selectSeconds), mode: 'lines+markers', color });
    const steps = pts.map((p) => stepSecondsOf(rec, p.z, p.v));
    const measured = steps.every((x) => x?.measured);
    series.push({ name: `${LABELS[n] ?? n}: step${measured ? '' : ' (est.)'}`, x: pts.map((p) => p.z.rows), y: steps.map((x) => x?.seconds ?? NaN), mode: 'lines+markers', dash: 'dash', color });
  }
  const spec = linePlot({ title: 'Per-step time against corpus size', x: { label: 'cached rows', log: true }, y: { label: 'seconds per step', log: true }, series, width: 900, height: 520 });
  // ticks at the measured sizes only: under one decade, plotly's minor log ticks crowd into each other
  const sizes = rec.sizes.map((z) => z.rows);
  Object.assign(spec.layout.xaxis as Record<string, unknown>, { tickvals: sizes, ticktext: sizes.map((r) => r.toLocaleString('en-US')), dtick: undefined });
  return spec;
}

/** Writes scale.json, scale.md, scale-steps.json and (when chromium is there) scale-steps.png into `dir`. */
export async function writeScaleReport(rec: ScaleRecord & Record<string, unknown>, dir: string, log: (l: string) => void): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  writeJsonAtomic(path.join(dir, 'scale.json'), rec);
  writeFileAtomic(path.join(dir, 'scale.md'), scaleMarkdown(rec));
  const spec = scalePlot(rec);
  writeJsonAtomic(path.join(dir, 'scale-steps.json'), spec);
  try {
    const { exportFigure } = await import('../src/report/export');
    await exportFigure(spec, path.join(dir, 'scale-steps.png'));
  } catch (e) {
    log(`[scale] no PNG: ${e instanceof Error ? e.message : e}`);
  }
}
