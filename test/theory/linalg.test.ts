import { test, describe, before } from 'node:test';
import { tf, initBackend } from '../../src/tensor';
import assert from 'node:assert/strict';
import { Rng } from '../../src/util/rng';
import { spectralNorm, frobeniusNorm, columnNorm21, Matrix } from '../../src/theory/linalg';
import { jacobiEigenvalues, exactSpectralNorm } from './reference';

before(async () => {
  await initBackend();
});

describe('theory linalg', () => {
  test('Frobenius and column (2,1) norms by hand', () => {
    // [[1, 2], [3, 4]] row-major: columns (1, 3) and (2, 4)
    const m: Matrix = { data: [1, 2, 3, 4], rows: 2, cols: 2 };
    assert.ok(Math.abs(frobeniusNorm(m) - Math.sqrt(30)) < 1e-12);
    assert.ok(Math.abs(columnNorm21(m) - (Math.sqrt(10) + Math.sqrt(20))) < 1e-12);
    // a 3×1 column (3, 4, 12): (2,1) = 13 = Frobenius
    const c: Matrix = { data: [3, 4, 12], rows: 3, cols: 1 };
    assert.equal(columnNorm21(c), 13);
    assert.equal(frobeniusNorm(c), 13);
    // a 1×3 row: (2,1) = |3| + |4| + |12|
    const r: Matrix = { data: [3, -4, 12], rows: 1, cols: 3 };
    assert.equal(columnNorm21(r), 19);
  });

  test('Jacobi reference: eigenvalues of a known symmetric matrix', () => {
    // [[2, 1], [1, 2]] has eigenvalues 1 and 3
    const ev = jacobiEigenvalues(Float64Array.from([2, 1, 1, 2]), 2).sort((a, b) => a - b);
    assert.ok(Math.abs(ev[0] - 1) < 1e-12 && Math.abs(ev[1] - 3) < 1e-12);
  });

  test('power iteration equals the exact largest singular value (Jacobi on WᵀW)', async () => {
    const rng = new Rng(7);
    for (const [rows, cols] of [
      [3, 5],
      [4, 4],
      [6, 2],
      [1, 7],
      [7, 1],
      [9, 8],
    ]) {
      for (let rep = 0; rep < 3; rep++) {
        const data = Float64Array.from({ length: rows * cols }, () => rng.normal());
        const m = { data, rows, cols };
        const est = await spectralNorm(m, { tol: 1e-12, maxIter: 20000 });
        const exact = exactSpectralNorm(m);
        assert.ok(Math.abs(est.value - exact) <= 1e-6 * exact, `${rows}×${cols}: power ${est.value} vs exact ${exact}`);
        assert.ok(est.value <= exact * (1 + 1e-12), 'power iteration approaches from below');
        assert.ok(est.value <= frobeniusNorm(m) + 1e-12);
      }
    }
  });

  test('tf power iteration on the Gram matrix equals the exact value (both orientations)', async () => {
    const rng = new Rng(9);
    for (const [rows, cols] of [
      [40, 70],
      [70, 40],
    ]) {
      const data = Float32Array.from({ length: rows * cols }, () => rng.normal());
      const m = { data, rows, cols };
      const exact = exactSpectralNorm(m);
      const before = tf.memory().numTensors;
      const est = await spectralNorm(m, { method: 'tf' });
      assert.equal(tf.memory().numTensors, before, 'no tensor leak');
      assert.ok(Math.abs(est.value - exact) <= 1e-5 * exact, `${rows}×${cols}: tf ${est.value} vs exact ${exact}`);
      assert.ok(est.value <= exact * (1 + 1e-9));
    }
    assert.equal((await spectralNorm({ data: new Float32Array(12), rows: 3, cols: 4 }, { method: 'tf' })).value, 0);
  });

  test('spectral norm of diagonal, rank-1 and zero matrices', async () => {
    assert.ok(Math.abs((await spectralNorm({ data: [3, 0, 0, 0, -5, 0], rows: 2, cols: 3 })).value - 5) < 1e-6);
    // u vᵀ with ‖u‖ = 5, ‖v‖ = √2 → σ = 5√2
    const u = [3, 4];
    const v = [1, -1];
    const r1 = { data: u.flatMap((a) => v.map((b) => a * b)), rows: 2, cols: 2 };
    assert.ok(Math.abs((await spectralNorm(r1)).value - 5 * Math.SQRT2) < 1e-6);
    assert.equal((await spectralNorm({ data: [0, 0, 0, 0], rows: 2, cols: 2 })).value, 0);
  });
});
