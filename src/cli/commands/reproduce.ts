import type { Command } from '../command';
import { InputError } from '../../util/errors';
import { reproduce, type DatasetKind } from '../../train/reproduce';
import type { TrainConfigInput } from '../../train/config';

export const reproduceCommand: Command = {
  name: 'reproduce',
  summary: "the paper's comparison on a dataset: cache, training per strategy, evaluation with the dataset's metrics, table with the published numbers (resumable)",
  usage: '--dataset nq|msmarco|wordnet|<dir> [--encoder glove|<hf-bert-dir>] [--strategies ...] [--seeds 1,2] [--steps N] [--quick] [--name NAME]',
  flags: {
    dataset: { type: 'string', help: 'wordnet (offline task), nq (data/nq), msmarco (data/msmarco), or a dataset folder', placeholder: 'nq|msmarco|wordnet|dir', required: true },
    dataDir: { type: 'string', help: 'folder holding wordnet/, nq/, msmarco/', default: 'data', placeholder: 'dir' },
    kind: { type: 'string', help: "metrics of a dataset folder (default: detected from its dataset.json)", choices: ['wordnet', 'nq', 'msmarco', 'generic'] },
    encoder: { type: 'string', help: 'glove (GloVe bag of embeddings) or a Hugging Face BERT checkpoint folder (config.json, model.safetensors, vocab.txt)', default: 'glove', placeholder: 'glove|dir' },
    strategies: { type: 'list', help: 'strategies to compare (default: in-batch, stale, refresh:<steps/4>, refresh-on-use, corrector; + oracle on wordnet)' },
    seeds: { type: 'list', help: 'seeds (several give a spread)', default: ['1'] },
    steps: { type: 'int', help: 'training steps per run (default 400; 40 with --quick)' },
    batchSize: { type: 'int', help: 'queries per step (default 64)' },
    lr: { type: 'number', help: 'encoder learning rate (default 2e-3 GloVe, 2e-5 BERT)' },
    quick: { type: 'boolean', help: 'a short pass (40 steps, smaller probes)', default: false },
    name: { type: 'string', help: 'experiment name: runs/<name>/, results/<name>/ (default reproduce-<dataset>[-quick])' },
    fresh: { type: 'boolean', help: 'recompute finished runs and evaluations instead of reusing them', default: false },
  },
  async run(o, ctx) {
    await ctx.backend();
    const seeds = (o.seeds as string[]).map((s) => {
      const n = Number(s);
      if (!Number.isInteger(n)) throw new InputError(`--seeds: expected integers, got '${s}'`);
      return n;
    });
    const base: TrainConfigInput = {
      ...(o.batchSize !== undefined ? { batchSize: o.batchSize as number } : {}),
      ...(o.lr !== undefined ? { lr: o.lr as number } : {}),
    };
    const r = await reproduce({
      dataset: String(o.dataset), dataDir: String(o.dataDir), kind: o.kind as DatasetKind | undefined, encoder: String(o.encoder),
      strategies: o.strategies as string[] | undefined, seeds, steps: o.steps as number | undefined, quick: !!o.quick, base,
      name: o.name as string | undefined, fresh: !!o.fresh, progress: ctx.progress, signal: ctx.signal, log: ctx.log,
    });
    ctx.out(`dataset: ${r.dir} (${r.kind}); reused ${r.reused.runs} finished runs and ${r.reused.evaluations} evaluations`);
    ctx.out('');
    ctx.out(r.markdown);
    ctx.out('');
    ctx.out(`written: ${r.files.join(', ')}`);
  },
};
