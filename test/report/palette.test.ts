import { test } from 'node:test';
import assert from 'node:assert/strict';
import { strategyColor, STRATEGY_COLORS, splitStrategy, seriesColor, OTHER_COLORS, withAlpha, hashString } from '../../src/report';

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

test('splitStrategy, unknown names, seriesColor, withAlpha', () => {
  assert.deepEqual(splitStrategy('refresh:100'), { family: 'refresh', variant: '100' });
  assert.deepEqual(splitStrategy('oracle'), { family: 'oracle' });
  assert.equal(strategyColor('something else'), OTHER_COLORS[hashString('something else') % OTHER_COLORS.length]);
  assert.equal(seriesColor('empirical', 1), OTHER_COLORS[1]);
  assert.equal(seriesColor('stale', 1), STRATEGY_COLORS.stale);
  assert.equal(withAlpha('#ff8000', 0.5), 'rgba(255,128,0,0.5)');
  assert.equal(hashString(''), 0x811c9dc5);
});
