import { defineCommand } from '../command';
import { omitOptions } from '../../util/options';
import { reproduce } from '../../experiments/reproduce';
import { METRICS_OPTION } from '../../eval/metrics';
import { SEED_RANGE, trainInputOf, checkEncoderOptions, type TrainConfigInput } from '../../train/config';
import { EXPERIMENT_TRAIN_FLAGS, RUNS_DIR_FLAG } from './train';

/** The training options of a reproduction: the dataset's profile decides the splits. */
const REPRODUCE_TRAIN_FLAGS = omitOptions(EXPERIMENT_TRAIN_FLAGS, ['trainSplit', 'devSplit', 'testSplit']);

export const reproduceCommand = defineCommand({
  name: 'reproduce',
  resumes: true,
  summary: "the paper's comparison on a dataset: cache, training per strategy, evaluation with the dataset's metrics, table with the published numbers (resumable)",
  usage: '--dataset nq|msmarco|wordnet|<dir> [--encoder glove|<hf-bert-dir>] [--strategies ...] [--metrics ndcg@10,...] [--seeds 1,2] [--steps N] [--quick] [--name NAME] [--runs-dir DIR] [--results-dir DIR]',
  flags: {
    dataset: { type: 'string', help: 'wordnet (offline task), nq (data/nq), msmarco (data/msmarco), or a dataset folder', placeholder: 'nq|msmarco|wordnet|dir', required: true },
    dataDir: { type: 'string', help: 'folder holding wordnet/, nq/, msmarco/', default: 'data', placeholder: 'dir' },
    kind: { type: 'string', help: 'metrics of a dataset folder', defaultText: "detected from its dataset.json", choices: ['wordnet', 'nq', 'msmarco', 'generic'] },
    strategies: { type: 'list', of: 'string', help: 'strategies to compare (the BM25 and zero-shot rows come first in any case)', defaultText: 'in-batch, bm25, stale, refresh:<steps/4>, refresh-on-use, corrector; + oracle except on nq and msmarco' },
    metrics: { ...METRICS_OPTION, defaultText: 'mrr@10,ndcg@10,recall@100,success@1,10,100 (NQ: + top-k answer accuracy; MS MARCO: MRR@10, nDCG@10, recall@1000)' },
    seeds: { type: 'list', of: 'int', help: 'seeds (several give a spread)', default: [1], ...SEED_RANGE },
    quick: { type: 'boolean', help: 'a short pass (40 steps, smaller probes; flags given win)', default: false },
    name: { type: 'string', help: 'experiment name: <runs-dir>/<name>/, <results-dir>/<name>/', defaultText: 'reproduce-<dataset>[-quick]' },
    runsDir: RUNS_DIR_FLAG,
    resultsDir: { type: 'string', help: 'folder of result tables', default: 'results', placeholder: 'dir' },
    fresh: { type: 'boolean', help: 'recompute finished runs and evaluations instead of reusing them', default: false },
    ...REPRODUCE_TRAIN_FLAGS,
    steps: { ...REPRODUCE_TRAIN_FLAGS.steps, defaultText: '400; 40 with --quick' },
    lr: { ...REPRODUCE_TRAIN_FLAGS.lr, defaultText: '2e-3 GloVe, 2e-5 BERT' },
  },
  async run(o, ctx) {
    checkEncoderOptions(o.encoder);
    await ctx.backend();
    // reproduce() sets the encoder kind and checkpoint (a BERT folder: resolved, with its own lr default) from `encoder`
    const { kind, checkpoint, ...encoderOptions } = o.encoder;
    const { steps, ...rest } = trainInputOf(o);
    const base: TrainConfigInput = { ...rest, encoder: encoderOptions };
    const r = await reproduce({
      dataset: o.dataset, dataDir: o.dataDir, kind: o.kind, encoder: kind === 'bert' ? checkpoint : 'glove',
      strategies: o.strategies, metrics: o.metrics, seeds: o.seeds, steps, quick: o.quick, base,
      name: o.name, runsDir: o.runsDir, resultsDir: o.resultsDir, fresh: o.fresh, progress: ctx.progress, signal: ctx.signal, log: ctx.log,
    });
    ctx.out(`dataset: ${r.dir} (${r.kind}); reused ${r.reused.runs} finished runs and ${r.reused.evaluations} evaluations; wall time ${r.wallSeconds.toFixed(0)} s`);
    ctx.out('');
    ctx.out(r.markdown);
    ctx.out('');
    ctx.out(`written: ${r.files.join(', ')}`);
  },
});
