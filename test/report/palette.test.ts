import { test } from 'node:test';
import assert from 'node:assert/strict';
import { strategyColor, STRATEGY_COLORS, splitStrategy, seriesColors, figureColors, OTHER_COLORS, withAlpha, hashString } from '../../src/report';

const lightness = (hex: string) => {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255);
  return (Math.max(r, g, b) + Math.min(r, g, b)) / 2;
};

test('every strategy of the paper has its own fixed colour', () => {
  const names = ['stale', 'corrector', 'refresh', 'in-batch', 'oracle', 'refresh-on-use'];
  const colors = names.map(strategyColor);
  assert.equal(new Set(colors).size, names.length);
  assert.equal(strategyColor('corrector'), STRATEGY_COLORS.corrector);
  assert.equal(strategyColor('refresh-on-use'), STRATEGY_COLORS['refresh-on-use']);
  for (const c of colors) assert.match(c, /^#[0-9a-f]{6}$/);
});

test('refresh:R variants: same hue family, darker for smaller R, deterministic', () => {
  const c10 = strategyColor('refresh:10');
  const c100 = strategyColor('refresh:100');
  const c1000 = strategyColor('refresh:1000');
  assert.equal(strategyColor('refresh:100'), c100);
  assert.ok(lightness(c10) < lightness(c100) && lightness(c100) < lightness(c1000));
  assert.ok(lightness(c1000) - lightness(c100) > 0.1);
  // blue dominates every shade
  for (const c of [c10, c100, c1000]) assert.ok(parseInt(c.slice(5, 7), 16) > parseInt(c.slice(1, 3), 16));
});

test('splitStrategy, unknown names, seriesColors, withAlpha', () => {
  assert.deepEqual(splitStrategy('refresh:100'), { family: 'refresh', variant: '100' });
  assert.deepEqual(splitStrategy('oracle'), { family: 'oracle' });
  assert.equal(strategyColor('something else'), OTHER_COLORS[hashString('something else') % OTHER_COLORS.length]);
  assert.deepEqual(seriesColors(['stale', 'empirical']), [STRATEGY_COLORS.stale, OTHER_COLORS[1]]);
  assert.equal(withAlpha('#ff8000', 0.5), 'rgba(255,128,0,0.5)');
  assert.equal(hashString(''), 0x811c9dc5);
});

const hue = (hex: string) => {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255);
  const max = Math.max(r, g, b);
  const d = max - Math.min(r, g, b);
  const h = max === r ? (g - b) / d + (g < b ? 6 : 0) : max === g ? (b - r) / d + 2 : (r - g) / d + 4;
  return h * 60;
};

test('figureColors: adjacent refresh intervals in one figure are clearly distinct, darkest for the smallest R', () => {
  const names = ['stale', 'refresh:30', 'refresh:4', 'refresh:15', 'refresh:8', 'refresh:60', 'refresh-on-use', 'not a strategy'];
  const c = figureColors(names);
  assert.equal(c['not a strategy'], undefined);
  assert.equal(c.stale, STRATEGY_COLORS.stale);
  assert.equal(c['refresh-on-use'], STRATEGY_COLORS['refresh-on-use']);
  const ramp = ['refresh:4', 'refresh:8', 'refresh:15', 'refresh:30', 'refresh:60'].map((n) => c[n]);
  for (let i = 1; i < ramp.length; i++) {
    assert.ok(lightness(ramp[i]) - lightness(ramp[i - 1]) >= 0.1, `${ramp[i - 1]} vs ${ramp[i]}`);
    assert.ok(hue(ramp[i - 1]) - hue(ramp[i]) >= 9, `hue ${ramp[i - 1]} vs ${ramp[i]}`);
  }
  // still the refresh family: blue-ish, never as light as the background
  for (const x of ramp) assert.ok(hue(x) > 180 && hue(x) < 240 && lightness(x) < 0.65, x);
  // by the old log-scale rule, R = 4 ... 30 were within 0.15 of each other in lightness
  assert.ok(lightness(strategyColor('refresh:30')) - lightness(strategyColor('refresh:4')) < 0.16);
  // one variant alone keeps its fixed colour
  assert.equal(figureColors(['refresh:100'])['refresh:100'], strategyColor('refresh:100'));
});
