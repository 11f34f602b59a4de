import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { initBackend } from '../../src/tensor';
import { runExperiment } from '../../src/experiments/experiment';
import { trainedCorrectorBound } from '../../src/experiments/trained-bound';
import { readManifest } from '../../src/cache';
import { InputError } from '../../src/util/errors';
import { tinyTask } from '../train/helpers';

before(async () => {
  await initBackend();
});

/** tinyTask's data as a dataset folder (BEIR layout), so a run's config can name it. */
function writeTinyDataset(dir: string): string {
  const { data } = tinyTask();
  fs.mkdirSync(path.join(dir, 'qrels'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'corpus.jsonl'), data.corpusIds.map((id, i) => JSON.stringify({ _id: id, title: '', text: data.corpusTexts[i] })).join('\n') + '\n');
  const splits = Object.entries(data.splits);
  fs.writeFileSync(path.join(dir, 'queries.jsonl'), splits.flatMap(([, s]) => s.queryIds.map((id, i) => JSON.stringify({ _id: id, text: s.queryTexts[i] }))).join('\n') + '\n');
  for (const [name, s] of splits) {
    const rows = s.queryIds.map((q, i) => `${q}\t${data.corpusIds[s.positives[i][0]]}\t1`);
    fs.writeFileSync(path.join(dir, 'qrels', `${name}.tsv`), ['query-id\tcorpus-id\tscore', ...rows].join('\n') + '\n');
  }
  return dir;
}

test('trainedCorrectorBound: the run\'s corrector on its initial cache against its final target encoder\'s, with its dev queries', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'fc-trained-bound-'));
  try {
    const dataset = writeTinyDataset(path.join(root, 'tiny'));
    const { glove } = tinyTask();
    const runsDir = path.join(root, 'runs');
    const base = { steps: 8, batchSize: 8, negatives: 3, lr: 5e-2, checkpointEvery: 0, probeRows: 40, probeQueries: 8, blockRows: 32, encoder: { pooling: 'mean' as const }, corrector: { width: 16 } };
    await runExperiment({ name: 'tiny', dataset, strategies: ['corrector', 'stale'], seeds: [1], base, runsDir, resultsDir: path.join(root, 'results'), glove });
    const runDir = path.join(runsDir, 'tiny', 'corrector-s1');
    const r = await trainedCorrectorBound({ runDir, beta: 20, maxRows: 80, glove });
    assert.equal(r.staleDir, path.join(runsDir, 'tiny', 'initial-cache-s1'));
    assert.equal(r.step, 8);
    assert.equal(readManifest(r.freshDir).rows, 90);
    assert.equal(readManifest(r.queriesDir).rows, 20); // the dev queries
    const term = (key: string) => r.estimate.terms.find((t) => t.key === key)?.value;
    assert.equal(term('m'), 40);
    // the final encoder drifted from the initial one, and the held-out error is measured beside the bound
    assert.ok(term('staleness')! > 0);
    const held = term('heldOut.mean')!;
    assert.ok(held > 0 && held <= term('bound')!, `${held} ≤ ${term('bound')}`);
    assert.ok(term('heldOut.kl')! >= 0);
    // a run without a corrector is refused by name
    await assert.rejects(trainedCorrectorBound({ runDir: path.join(runsDir, 'tiny', 'stale-s1'), beta: 20, glove }), (e: Error) => e instanceof InputError && /stale-s1: no corrector\//.test(e.message));
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
