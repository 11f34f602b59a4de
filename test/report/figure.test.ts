import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { linePlot, paretoFront, paretoPlot, stackedBars, axisTitle, assertFigureSpec, strategyColor, figureColors, LOG_TICK_FORMAT, logAxisTicks } from '../../src/report';
import { InputError } from '../../src/util/errors';

describe('paretoFront', () => {
  test('minimise x, maximise y: keeps the non-dominated points sorted by x', () => {
    const pts = [
      { x: 1, y: 0.2, n: 'a' },
      { x: 2, y: 0.1, n: 'dominated by a' },
      { x: 3, y: 0.5, n: 'b' },
      { x: 3, y: 0.4, n: 'same x, worse y' },
      { x: 10, y: 0.5, n: 'same y, more cost' },
      { x: 20, y: 0.9, n: 'c' },
      { x: 0.5, y: 0.05, n: 'cheapest' },
    ];
    assert.deepEqual(paretoFront(pts).map((p) => p.n), ['cheapest', 'a', 'b', 'c']);
  });

  test('other senses', () => {
    const pts = [
      { x: 1, y: 1 },
      { x: 2, y: 2 },
      { x: 3, y: 0 },
    ];
    // maximise both: (2,2) dominates (1,1); (3,0) has the largest x
    assert.deepEqual(paretoFront(pts, { x: 'max', y: 'max' }), [{ x: 2, y: 2 }, { x: 3, y: 0 }]);
    // minimise both: (1,1) and (3,0)
    assert.deepEqual(paretoFront(pts, { x: 'min', y: 'min' }), [{ x: 1, y: 1 }, { x: 3, y: 0 }]);
  });

  test('ignores non-finite points, keeps exact duplicates, empty in empty out', () => {
    assert.deepEqual(paretoFront([{ x: NaN, y: 5 }, { x: 1, y: Infinity }, { x: 2, y: 1 }]), [{ x: 2, y: 1 }]);
    const dup = paretoFront([{ x: 1, y: 1, k: 1 }, { x: 1, y: 1, k: 2 }]);
    assert.equal(dup.length, 2);
    assert.deepEqual(paretoFront([]), []);
  });
});

describe('linePlot', () => {
  const spec = linePlot({
    title: 'Drift',
    x: { label: 'training step', unit: 'steps' },
    y: { label: 'KL', unit: 'nats', log: true },
    series: [
      { name: 'stale', x: [0, 1, 2], y: [0.1, NaN, 0.3], band: { lo: [0, 0, 0.2], hi: [0.2, 0.3, 0.4] } },
      { name: 'my metric', x: [0, 1], y: [1, 2], dash: 'dash' },
    ],
  });

  test('axes carry labels with units, log scale when asked', () => {
    assert.equal(spec.layout.xaxis?.title?.text, 'training step (steps)');
    assert.equal(spec.layout.yaxis?.title?.text, 'KL (nats)');
    assert.equal(spec.layout.yaxis?.type, 'log');
    assert.equal(spec.layout.xaxis?.type, undefined);
    assert.equal(spec.layout.title?.text, 'Drift');
  });

  test('band polygon first (hidden from legend), then the line; NaN becomes null', () => {
    assert.equal(spec.data.length, 3);
    const [band, line, other] = spec.data;
    assert.equal(band.fill, 'toself');
    assert.equal(band.showlegend, false);
    assert.deepEqual(band.x, [0, 1, 2, 2, 1, 0]);
    assert.deepEqual(band.y, [0.2, 0.3, 0.4, 0.2, 0, 0]);
    assert.equal(line.name, 'stale');
    assert.deepEqual(line.y, [0.1, null, 0.3]);
    assert.equal(line.line?.color, strategyColor('stale'));
    assert.equal(other.line?.dash, 'dash');
    assert.match(String(band.fillcolor), /^rgba\(\d+,\d+,\d+,0\.18\)$/);
  });

  test('log-axis ticks: 1-2-5 over one to three decades, powers of ten beyond, plotly\'s own under one', () => {
    assert.deepEqual(logAxisTicks([3000, 60000]), { dtick: 'D2' });
    assert.deepEqual(logAxisTicks([100, 1e6, -1, NaN]), { dtick: 1 });
    assert.deepEqual(logAxisTicks([1e-6, 1e12]), { dtick: 3 });
    assert.deepEqual(logAxisTicks([0.9, 8.5]), {});
    assert.deepEqual(logAxisTicks([]), {});
    assert.equal(spec.layout.yaxis?.dtick, 'D2'); // y from 0.1 (stale) to 2 (my metric)
  });

  test('is plain JSON (round-trips)', () => {
    assert.deepEqual(JSON.parse(JSON.stringify(spec)), spec);
  });

  test('refresh intervals shown together get the distinct shades of figureColors', () => {
    const names = ['refresh:4', 'refresh:8', 'refresh:15'];
    const lines = linePlot({ title: 't', x: { label: 'x' }, y: { label: 'y' }, series: names.map((name) => ({ name, x: [0], y: [0] })) });
    const shades = figureColors(names);
    assert.deepEqual(lines.data.map((t) => t.line?.color), names.map((n) => shades[n]));
  });

  test('mismatched lengths are an InputError naming the series', () => {
    assert.throws(() => linePlot({ title: 't', x: { label: 'x' }, y: { label: 'y' }, series: [{ name: 'oracle', x: [1, 2], y: [1] }] }), (e: unknown) => e instanceof InputError && /series 'oracle'.*x has 2 values, y has 1/.test(e.message));
  });
});

describe('paretoPlot', () => {
  const spec = paretoPlot({
    title: 'Accuracy vs cost',
    x: { label: 're-embedding cost', unit: 'encoder passes', log: true },
    y: { label: 'MRR@10' },
    points: [
      { strategy: 'stale', x: 10, y: 0.2 },
      { strategy: 'refresh:100', x: 1000, y: 0.35, label: 'R=100' },
      { strategy: 'refresh:100', x: 2000, y: 0.3, label: 'R=100 b' },
      { strategy: 'corrector', x: 12, y: 0.33 },
    ],
    showLabels: true,
  });

  test('front trace first, then one trace per strategy in first-seen order', () => {
    assert.deepEqual(spec.data.map((t) => t.name), ['Pareto front', 'stale', 'refresh:100', 'corrector']);
    assert.deepEqual(spec.data[0].x, [10, 12, 1000]);
    assert.deepEqual(spec.data[0].y, [0.2, 0.33, 0.35]);
    assert.equal(spec.data[0].line?.shape, 'hv');
    assert.deepEqual(spec.data[2].x, [1000, 2000]);
    assert.deepEqual(spec.data[2].text, ['R=100', 'R=100 b']);
    assert.equal(spec.data[2].mode, 'markers+text');
    assert.equal(spec.data[3].marker?.color, strategyColor('corrector'));
    assert.equal(spec.layout.xaxis?.type, 'log');
    assert.equal(spec.layout.xaxis?.tickformat, LOG_TICK_FORMAT);
    assert.equal(spec.layout.xaxis?.dtick, 'D2'); // 10 .. 2000: 1, 2, 5 times each power of ten
    assert.equal(spec.layout.yaxis?.tickformat, undefined);
    assert.equal(spec.layout.xaxis?.title?.text, 're-embedding cost (encoder passes)');
  });

  test('labels sit off the front line: front points on the free side, dominated points away from the front', () => {
    // a rising front (cheap and worse to costly and better): the staircase comes from below-left;
    // points at the ends of the x range keep their labels inside the plot
    assert.deepEqual(spec.data.slice(1).map((t) => t.textposition), [['top right'], ['top left', 'bottom left'], ['top right']]);
    assert.ok(spec.data.slice(1).every((t) => t.cliponaxis === false));
    // a falling front (fewer parameters and higher error to more and lower): the staircase comes from above
    const falling = paretoPlot({
      title: 'Error vs parameters',
      x: { label: 'parameters', log: true },
      y: { label: 'error' },
      points: [[1, 0.9], [10, 0.5], [100, 0.6], [1000, 0.2], [10000, 0.95]].map(([x, y]) => ({ strategy: 'corrector', x, y })),
      sense: { x: 'min', y: 'min' },
      showLabels: true,
    });
    assert.deepEqual(falling.data[1].textposition, ['bottom right', 'bottom left', 'top right', 'bottom left', 'top left']);
  });

  test('a front point close to its left neighbour on both axes puts its label on the other side of the line', () => {
    // notebook 05's ladder: mlp w=256 (51,556 parameters, 0.0380) and mlp w=256 L=2 (117,348, 0.0376) would share 'bottom left'
    const ladder = paretoPlot({
      title: 'Error vs parameters',
      x: { label: 'parameters', log: true },
      y: { label: 'error' },
      points: [[3316, 0.0934], [10100, 0.0685], [12964, 0.0604], [51556, 0.038], [117348, 0.0376], [205924, 0.035]].map(([x, y]) => ({ strategy: 'corrector', x, y })),
      sense: { x: 'min', y: 'min' },
      showLabels: true,
    });
    assert.deepEqual(ladder.data[1].textposition, ['bottom right', 'bottom left', 'bottom left', 'bottom left', 'top right', 'bottom left']);
  });
});

describe('stackedBars', () => {
  test('one bar trace per term, relative stacking, category axis, overlays as markers', () => {
    const spec = stackedBars({
      title: 'Bound terms',
      x: { label: 'training pairs', unit: 'm' },
      y: { label: 'bound', unit: 'L2' },
      categories: [100, 1000],
      stacks: [
        { name: 'empirical', values: [0.1, 0.2] },
        { name: 'complexity', values: [0.5, 0.1] },
      ],
      overlays: [{ name: 'measured', values: [0.2, 0.25] }],
    });
    assert.deepEqual(spec.data.map((t) => t.type), ['bar', 'bar', 'scatter']);
    assert.deepEqual(spec.data[0].x, ['100', '1000']);
    assert.equal(spec.layout.barmode, 'relative');
    assert.equal(spec.layout.xaxis?.type, 'category');
    assert.notEqual(spec.data[0].marker?.color, spec.data[1].marker?.color);
    assert.throws(() => stackedBars({ title: 't', x: { label: 'x' }, y: { label: 'y' }, categories: ['a'], stacks: [{ name: 's', values: [1, 2] }] }), InputError);
  });
});

test('axisTitle and assertFigureSpec', () => {
  assert.equal(axisTitle({ label: 'cost' }), 'cost');
  assert.equal(axisTitle({ label: 'cost', unit: 'passes' }), 'cost (passes)');
  assert.doesNotThrow(() => assertFigureSpec({ data: [], layout: {} }, 'f.json'));
  assert.throws(() => assertFigureSpec({ data: 3 }, 'f.json'), /f\.json: 'data' must be an array/);
  assert.throws(() => assertFigureSpec([], 'f.json'), /f\.json: expected a figure spec/);
});
