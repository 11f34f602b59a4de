import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  DriftKind,
  applyDrift,
  driftStats,
  makeDrift,
  makeSyntheticData,
  nearestTargets,
  normalizeRows,
  randomOrthogonal,
} from '../../src/data/synthetic';
import { Rng } from '../../src/util/rng';
import { InputError } from '../../src/util/errors';

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function rowNorms(x: Float32Array, d: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < x.length / d; r++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += x[r * d + j] ** 2;
    out.push(Math.sqrt(s));
  }
  return out;
}

const KINDS: DriftKind[] = ['linear', 'rotation', 'mlp'];

describe('makeSyntheticData', () => {
  test('shapes, unit norms, distinct positives', () => {
    const s = makeSyntheticData({ seed: 1, numTargets: 50, numQueries: 20, dim: 8, clusters: 4 });
    assert.equal(s.initialTargets.length, 50 * 8);
    assert.equal(s.currentTargets.length, 50 * 8);
    assert.equal(s.queries.length, 20 * 8);
    assert.equal(s.positives.length, 20);
    assert.equal(new Set(s.positives).size, 20);
    assert.ok([...s.positives].every((p) => p >= 0 && p < 50));
    assert.ok(s.clusterOf && s.clusterOf.every((c) => c >= 0 && c < 4));
    for (const n of [...rowNorms(s.initialTargets, 8), ...rowNorms(s.queries, 8)]) assert.ok(Math.abs(n - 1) < 1e-5);
    assert.equal(s.drift.kind, 'none');
    assert.deepEqual(s.currentTargets, s.initialTargets);
  });

  test('deterministic by seed; different seeds differ', () => {
    const o = { numTargets: 30, numQueries: 10, dim: 6, clusters: 3, drift: { kind: 'mlp' as const, magnitude: 0.5 } };
    const a = makeSyntheticData({ ...o, seed: 7 });
    const b = makeSyntheticData({ ...o, seed: 7 });
    const c = makeSyntheticData({ ...o, seed: 8 });
    assert.deepEqual(a.initialTargets, b.initialTargets);
    assert.deepEqual(a.currentTargets, b.currentTargets);
    assert.deepEqual(a.queries, b.queries);
    assert.deepEqual(a.positives, b.positives);
    assert.ok(maxAbsDiff(a.initialTargets, c.initialTargets) > 0.01);
  });

  test('targets do not depend on drift or query count', () => {
    const a = makeSyntheticData({ seed: 3, numTargets: 20, numQueries: 5, dim: 4 });
    const b = makeSyntheticData({ seed: 3, numTargets: 20, numQueries: 15, dim: 4, drift: { kind: 'linear', magnitude: 1 } });
    assert.deepEqual(a.initialTargets, b.initialTargets);
  });

  test('with low noise the positive is the nearest current target; queries from initial match initial targets', () => {
    const s = makeSyntheticData({ seed: 5, numTargets: 200, numQueries: 60, dim: 16, clusters: 5, queryNoise: 0.02, drift: { kind: 'rotation', magnitude: 1.0 } });
    assert.deepEqual(nearestTargets(s.queries, s.currentTargets, 16), s.positives);
    const t = makeSyntheticData({ seed: 5, numTargets: 200, numQueries: 60, dim: 16, clusters: 5, queryNoise: 0.02, queryFrom: 'initial' });
    assert.deepEqual(nearestTargets(t.queries, t.initialTargets, 16), t.positives);
  });

  test('a large drift makes the stale (initial) targets miss positives that current targets find', () => {
    const s = makeSyntheticData({ seed: 9, numTargets: 300, numQueries: 100, dim: 16, queryNoise: 0.05, drift: { kind: 'rotation', magnitude: 1.5 } });
    const fresh = nearestTargets(s.queries, s.currentTargets, 16).filter((p, i) => p === s.positives[i]).length;
    const stale = nearestTargets(s.queries, s.initialTargets, 16).filter((p, i) => p === s.positives[i]).length;
    assert.equal(fresh, 100);
    assert.ok(stale < 50, `stale hits ${stale}`);
  });

  test('more queries than targets draws positives with replacement', () => {
    const s = makeSyntheticData({ seed: 2, numTargets: 3, numQueries: 10, dim: 2, normalize: false });
    assert.ok([...s.positives].every((p) => p >= 0 && p < 3));
  });

  test('bad options are InputErrors', () => {
    assert.throws(() => makeSyntheticData({ numTargets: 0, numQueries: 1, dim: 2 }), InputError);
    assert.throws(() => makeSyntheticData({ numTargets: 2, numQueries: 1, dim: 2.5 }), /dim must be a positive integer/);
    assert.throws(() => makeSyntheticData({ numTargets: 2, numQueries: 1, dim: 2, drift: { kind: 'linear', magnitude: -1 } }), /magnitude must be a finite number ≥ 0/);
    assert.throws(() => makeDrift(2, { kind: 'warp' as DriftKind, magnitude: 1 }), /drift kind must be one of/);
  });
});

describe('drift maps', () => {
  const dim = 10;
  const points = normalizeRows(Float32Array.from({ length: 40 * dim }, (_, i) => Math.sin(i * 1.37) + 0.3 * Math.cos(i * 0.11)), dim);

  test('magnitude 0 is the identity for every kind', () => {
    for (const kind of KINDS) {
      const d = makeDrift(dim, { kind, magnitude: 0, seed: 4 });
      assert.equal(maxAbsDiff(applyDrift(d, points), points), 0, kind);
    }
  });

  test('drift grows with magnitude (same seed, same random parameters)', () => {
    for (const kind of KINDS) {
      const sizes = [0.05, 0.2, 0.5, 1.0].map((m) => driftStats(points, applyDrift(makeDrift(dim, { kind, magnitude: m, seed: 11 }), points), dim).meanDistance);
      for (let i = 1; i < sizes.length; i++) assert.ok(sizes[i] > sizes[i - 1], `${kind}: ${sizes}`);
      assert.ok(sizes[0] > 0, kind);
    }
  });

  test('linear drift is exactly proportional to magnitude', () => {
    const a = driftStats(points, applyDrift(makeDrift(dim, { kind: 'linear', magnitude: 0.1, seed: 1 }), points), dim).meanDistance;
    const b = driftStats(points, applyDrift(makeDrift(dim, { kind: 'linear', magnitude: 0.3, seed: 1 }), points), dim).meanDistance;
    assert.ok(Math.abs(b / a - 3) < 1e-4, `${b / a}`);
    assert.ok(a > 0.03 && a < 0.3, `‖R e‖ ≈ ‖e‖ so drift ≈ 0.1, got ${a}`);
  });

  test('rotation keeps norms and moves every point by 2 sin(θ/2) (even d)', () => {
    const theta = 0.7;
    const d = makeDrift(dim, { kind: 'rotation', magnitude: theta, seed: 2 });
    const moved = applyDrift(d, points);
    for (const n of rowNorms(moved, dim)) assert.ok(Math.abs(n - 1) < 1e-5);
    const st = driftStats(points, moved, dim);
    assert.ok(Math.abs(st.meanDistance - 2 * Math.sin(theta / 2)) < 1e-5, `${st.meanDistance}`);
    assert.ok(Math.abs(st.maxDistance - 2 * Math.sin(theta / 2)) < 1e-5);
    assert.ok(Math.abs(st.meanCosine - Math.cos(theta)) < 1e-5);
  });

  test('rotation in odd dimension keeps norms', () => {
    const d = makeDrift(5, { kind: 'rotation', magnitude: 2, seed: 3 });
    const p = normalizeRows(Float32Array.from({ length: 25 }, (_, i) => Math.cos(i)), 5);
    for (const n of rowNorms(applyDrift(d, p), 5)) assert.ok(Math.abs(n - 1) < 1e-5);
  });

  test('randomOrthogonal gives orthonormal columns', () => {
    const n = 7;
    const u = randomOrthogonal(n, new Rng(1));
    for (let a = 0; a < n; a++) {
      for (let b = 0; b < n; b++) {
        let dot = 0;
        for (let i = 0; i < n; i++) dot += u[i * n + a] * u[i * n + b];
        assert.ok(Math.abs(dot - (a === b ? 1 : 0)) < 1e-5);
      }
    }
  });

  test('mlp drift is non-linear; relu works; normalize option gives unit rows', () => {
    const d = makeDrift(dim, { kind: 'mlp', magnitude: 1, seed: 5 });
    const x = points.subarray(0, dim);
    const y = points.subarray(dim, 2 * dim);
    const sum = new Float32Array(dim).map((_, i) => x[i] + y[i]);
    const f = (v: Float32Array) => Float32Array.from(applyDrift(d, v)).map((e, i) => e - v[i]); // the residual part
    const additivity = maxAbsDiff(f(sum), new Float32Array(dim).map((_, i) => f(x)[i] + f(y)[i]));
    assert.ok(additivity > 1e-3, 'residual is not linear');
    const r = makeDrift(dim, { kind: 'mlp', magnitude: 0.5, activation: 'relu', hidden: 4, seed: 5 });
    assert.equal(r.kind === 'mlp' && r.w1.length, 4 * dim);
    const out = applyDrift(r, points, { normalize: true });
    for (const n of rowNorms(out, dim)) assert.ok(Math.abs(n - 1) < 1e-5);
  });

  test('applying the returned drift to the initial targets reproduces the current ones', () => {
    for (const kind of KINDS) {
      const s = makeSyntheticData({ seed: 12, numTargets: 25, numQueries: 5, dim: 6, drift: { kind, magnitude: 0.4 } });
      assert.deepEqual(applyDrift(s.drift, s.initialTargets, { normalize: true }), s.currentTargets, kind);
      const fresh = applyDrift(s.drift, Float32Array.of(1, 0, 0, 0, 0, 0));
      assert.equal(fresh.length, 6);
    }
  });

  test('applyDrift does not modify its input and checks shapes', () => {
    const copy = Float32Array.from(points);
    applyDrift(makeDrift(dim, { kind: 'linear', magnitude: 1, seed: 1 }), points);
    assert.deepEqual(points, copy);
    assert.throws(() => applyDrift(makeDrift(dim, { kind: 'linear', magnitude: 1 }), new Float32Array(7)), /not a multiple of dim 10/);
  });
});

test('makeSyntheticData with magnitude 0 keeps current = initial exactly for every kind', () => {
  for (const kind of KINDS) {
    const s = makeSyntheticData({ seed: 4, numTargets: 10, numQueries: 3, dim: 6, drift: { kind, magnitude: 0 } });
    assert.deepEqual(s.currentTargets, s.initialTargets, kind);
  }
});
