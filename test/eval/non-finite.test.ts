import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { evaluate } from '../../src/eval/evaluate';
import { writeRun } from '../../src/eval/runfile';
import { InputError } from '../../src/util/errors';
import { initBackend, tf } from '../../src/tensor';
import { scoreEncoders, TABLE_METRICS } from '../../src/train/score';
import type { Encoder } from '../../src/encoders/types';
import { tinyTask } from '../train/helpers';
import type { Run } from '../../src/eval/types';

const oneLine = (re: RegExp) => (e: unknown) => e instanceof InputError && !e.message.includes('\n') && re.test(e.message);

test('evaluate refuses a run in memory with a non-finite score, naming the query and document', async () => {
  const qrels = new Map([['q1', new Map([['d1', 1]])]]);
  for (const bad of [NaN, Infinity, -Infinity]) {
    const run: Run = new Map([['q1', [{ docId: 'd1', score: 0.5 }, { docId: 'd2', score: bad }]]]);
    await assert.rejects(evaluate({ run, qrels, metrics: ['mrr@10'] }), oneLine(new RegExp(`query 'q1' document 'd2' has score ${bad}; metrics are computed only from finite scores`)));
  }
});

test('writeRun refuses a non-finite score and leaves no file', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fc-nf-'));
  const file = path.join(dir, 'dev.trec');
  assert.throws(() => writeRun(file, new Map([['q1', [{ docId: 'd1', score: NaN }]]])), oneLine(/dev\.trec: cannot write score NaN of query 'q1' document 'd1'/));
  assert.deepEqual(fs.readdirSync(dir), []);
  fs.rmSync(dir, { recursive: true });
});

test('the evaluation inside training refuses NaN embeddings instead of printing metrics', async () => {
  await initBackend();
  const { data } = tinyTask();
  const nanEncoder = { kind: 'nan', dim: 4, normalized: true, encode: (texts: string[]) => tf.fill([texts.length, 4], NaN) as tf.Tensor2D } as unknown as Encoder;
  await assert.rejects(scoreEncoders({ data, encoders: { query: nanEncoder, target: nanEncoder }, splits: [{ split: 'dev', metrics: TABLE_METRICS }] }), oneLine(/hold NaN or ±Infinity; scores would not be finite|has score NaN; metrics are computed only from finite scores/)); // the search refuses them first since its top-k merge moved onto the backend
});
