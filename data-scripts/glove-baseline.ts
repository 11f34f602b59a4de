/**
 * Baseline of the WordNet task: GloVe bag-of-embeddings (frozen, no training) + exact search over
 * all passages. Prints MRR@10 and R@100 on a split.
 *
 *   npx tsx data-scripts/glove-baseline.ts [--task data/wordnet] [--split dev] [--pooling idf|sif|mean]
 *
 * Passage text = title + ". " + text. Vocabulary = words of the corpus and all queries. idf weights
 * from passage document frequencies: idf(w) = ln((N + 1) / (df(w) + 1)) + 1. Vectors L2-normalised;
 * score = cosine.
 *   MRR@10 = mean over queries of 1/rank of the relevant passage if rank <= 10, else 0
 *   R@100  = mean over queries of |relevant ∩ top-100| / |relevant|
 */
import { initBackend } from '../src/tensor';
import { loadDataset, loadCorpus } from '../src/data/beir';
import { ensureDefaultTask } from '../src/data/wordnet';
import { createGloveBagEncoder, type GloveBagPooling } from '../src/encoders/glove-bag';
import { exactSearch } from '../src/search/exact';
import { progressBar } from '../src/util/progress';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const flag = (name: string, dflt: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : dflt;
  };
  const backend = await initBackend();
  console.log(backend.summary);
  const masked = args.includes('--masked');
  const task = flag('--task', '') || (await ensureDefaultTask({ maskLemmas: masked }));
  const split = flag('--split', 'dev');
  const pooling = flag('--pooling', 'idf') as GloveBagPooling;
  const t0 = Date.now();
  const ds = await loadDataset(task, { split, checkCorpusIds: false });
  const corpus = await loadCorpus(ds.paths.corpus);
  const allQueries = (await loadDataset(task, { split, allQueries: true, checkCorpusIds: false })).queries;
  const passages = corpus.ids.map((_, i) => `${corpus.titles[i]}. ${corpus.texts[i]}`);
  const enc = await createGloveBagEncoder({
    vocabTexts: [...passages, ...allQueries.map((q) => q.text)],
    idfTexts: passages,
    pooling,
    normalize: true,
    trainEmbeddings: false,
    maxTokens: 256,
  });
  console.log(`task ${task} split ${split}: ${ds.queries.length} queries, ${passages.length} passages; vocab ${enc.vocab.length}; pooling ${pooling}`);
  const dim = enc.dim;
  const encodeAll = async (texts: string[]) => {
    const out = new Float32Array(texts.length * dim);
    for (let s = 0; s < texts.length; s += 8192) {
      const t = enc.encode(texts.slice(s, s + 8192));
      out.set((await t.data()) as Float32Array, s * dim);
      t.dispose();
    }
    return out;
  };
  const tEnc = Date.now();
  const P = await encodeAll(passages);
  const Q = await encodeAll(ds.queries.map((q) => q.text));
  const t1 = Date.now();
  console.log(`encoded ${passages.length + ds.queries.length} texts in ${((t1 - tEnc) / 1000).toFixed(1)}s (${Math.round((passages.length + ds.queries.length) / ((t1 - tEnc) / 1000))} texts/s)`);
  const res = await exactSearch({
    source: { rows: passages.length, dim, read: (a, b) => P.slice(a * dim, b * dim) },
    queries: Q,
    queryDim: dim,
    k: 100,
    progress: progressBar(),
  });
  let mrr = 0;
  let r100 = 0;
  ds.queries.forEach((q, qi) => {
    const rel = new Set([...(ds.qrels.get(q.id)?.keys() ?? [])].map((id) => corpus.index.get(id)));
    let found = 0;
    let first = 0;
    for (let j = 0; j < 100; j++) {
      if (rel.has(res.indices[qi * 100 + j])) {
        found++;
        if (!first) first = j + 1;
      }
    }
    if (first && first <= 10) mrr += 1 / first;
    r100 += found / rel.size;
  });
  const n = ds.queries.length;
  console.log(`MRR@10 ${(mrr / n).toFixed(4)}  R@100 ${(r100 / n).toFixed(4)}  (load + encode ${((t1 - t0) / 1000).toFixed(1)}s, search ${((Date.now() - t1) / 1000).toFixed(1)}s)`);
  enc.dispose();
}

main().catch((e) => {
  console.error(`error: ${e instanceof Error ? e.stack : e}`);
  process.exit(1);
});
