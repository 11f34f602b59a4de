import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { costToReach, reductionFactor, factorRange, formatFactor, formatBracket, formatFactorRange, type CurvePoint } from '../../src/report/reduction-factor';
import { InputError } from '../../src/util/errors';

// stale at 1 pass, then refreshes: accuracy rises with cost
const curve: CurvePoint[] = [
  { label: 'refresh:20', cost: 20, accuracy: 0.18 },
  { label: 'stale', cost: 1, accuracy: 0.15 },
  { label: 'refresh:100', cost: 4, accuracy: 0.16 },
];

describe('costToReach', () => {
  test('interpolates log cost linearly in accuracy between the bracketing runs (input order does not matter)', () => {
    const r = costToReach(curve, 0.17);
    assert.equal(r.kind, 'interpolated');
    if (r.kind !== 'interpolated') return;
    // halfway in accuracy between 4 and 20 → the geometric mean √80
    assert.ok(Math.abs(r.cost - Math.sqrt(80)) < 1e-9, String(r.cost));
    assert.equal(r.below.label, 'refresh:100');
    assert.equal(r.above.label, 'refresh:20');
    // a quarter of the way: 4 · 5^0.25
    assert.ok(Math.abs(costToReach(curve, 0.165).cost - 4 * 5 ** 0.25) < 1e-9);
  });

  test('a target equal to a run: that run\'s cost', () => {
    const r = costToReach(curve, 0.18);
    assert.equal(r.kind, 'interpolated');
    assert.ok(Math.abs(r.cost - 20) < 1e-9);
  });

  test('the cheapest run already reaches it: at-cheapest; none does: not-reached at the costliest', () => {
    assert.deepEqual(costToReach(curve, 0.14), { kind: 'at-cheapest', cost: 1, run: curve[1] });
    assert.deepEqual(costToReach(curve, 0.15), { kind: 'at-cheapest', cost: 1, run: curve[1] });
    assert.deepEqual(costToReach(curve, 0.19), { kind: 'not-reached', cost: 20, run: curve[0] });
  });

  test('a curve that is not monotone is read at its first crossing', () => {
    const wiggly: CurvePoint[] = [
      { label: 'a', cost: 1, accuracy: 0.1 },
      { label: 'b', cost: 10, accuracy: 0.3 },
      { label: 'c', cost: 100, accuracy: 0.2 },
      { label: 'd', cost: 1000, accuracy: 0.4 },
    ];
    const r = costToReach(wiggly, 0.25);
    assert.ok(r.kind === 'interpolated' && r.below.label === 'a' && r.above.label === 'b');
    assert.ok(Math.abs(r.cost - 10 ** 0.75) < 1e-9);
  });

  test('equal costs: the more accurate run is taken first', () => {
    const r = costToReach([{ label: 'x', cost: 2, accuracy: 0.1 }, { label: 'y', cost: 2, accuracy: 0.3 }], 0.2);
    assert.deepEqual(r, { kind: 'at-cheapest', cost: 2, run: { label: 'y', cost: 2, accuracy: 0.3 } });
  });

  test('bad curves are input errors naming the run', () => {
    assert.throws(() => costToReach([], 0.1), InputError);
    assert.throws(() => costToReach([{ label: 'in-batch', cost: 0, accuracy: 0.1 }], 0.1), (e: Error) => e instanceof InputError && /in-batch/.test(e.message) && /> 0/.test(e.message));
    assert.throws(() => costToReach([{ label: 'r', cost: 1, accuracy: NaN }], 0.1), (e: Error) => e instanceof InputError && /'r'/.test(e.message));
    assert.throws(() => costToReach(curve, NaN), InputError);
  });
});

describe('reductionFactor', () => {
  test('factor = cost to reach / the corrector\'s cost, with the bound kind', () => {
    const f = reductionFactor(curve, { cost: 1, accuracy: 0.17 });
    assert.equal(f.bound, 'estimate');
    assert.ok(Math.abs(f.factor - Math.sqrt(80)) < 1e-9);
    assert.equal(formatFactor(f), '8.94x');
    assert.equal(formatBracket(f), 'refresh:100–refresh:20');
    const cheap = reductionFactor(curve, { cost: 2, accuracy: 0.1 });
    assert.equal(cheap.bound, 'at-most');
    assert.equal(formatFactor(cheap), '≤ 0.50x');
    assert.equal(formatBracket(cheap), 'stale');
    const none = reductionFactor(curve, { cost: 0.25, accuracy: 0.2 });
    assert.equal(none.bound, 'at-least');
    assert.equal(none.factor, 80);
    assert.equal(formatFactor(none), 'not reached at ≥ 80.0x');
    assert.throws(() => reductionFactor(curve, { label: 'corrector', cost: 0, accuracy: 0.2 }), /corrector/);
  });

  test('factorRange: by factor, a not-reached seed above every reached one', () => {
    const a = reductionFactor(curve, { cost: 1, accuracy: 0.16 }); // 4x
    const b = reductionFactor(curve, { cost: 1, accuracy: 0.18 }); // 20x
    const c = reductionFactor(curve, { cost: 10, accuracy: 0.5 }); // not reached, ≥ 2x
    const r = factorRange([b, c, a])!;
    assert.equal(r.min, a);
    assert.equal(r.max, c);
    assert.equal(formatFactorRange(r), '4.00x – not reached at ≥ 2.00x');
    assert.equal(formatFactorRange(factorRange([a, a])!), '4.00x');
    assert.equal(factorRange([]), undefined);
  });
});
