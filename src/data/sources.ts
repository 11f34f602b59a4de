/**
 * The external datasets `freshcache data download` fetches: exact URLs, published checksums and
 * sizes, and licence terms. Sources: facebookresearch/DPR `dpr/data/download_data.py` (NQ; DPR
 * publishes no checksums), microsoft/MSMARCO-Passage-Ranking README and the Anserini docs (MS MARCO
 * MD5), beir-cellar/beir README (BEIR zips and MD5s). See ../shared/notes/offline-data.md (c).
 */
import type { DataSource } from './download';

const DPR = 'https://dl.fbaipublicfiles.com/dpr';
const MSMARCO = 'https://msmarco.z22.web.core.windows.net/msmarcoranking';
const MSMARCO_ORIGINAL = 'https://msmarco.blob.core.windows.net/msmarcoranking';
const BEIR = 'https://public.ukp.informatik.tu-darmstadt.de/thakur/BEIR/datasets';

/** Natural Questions as DPR ships it: the Dec 2018 Wikipedia split and the NQ question files. */
export const NQ_SOURCE: DataSource = {
  name: 'nq',
  title: 'Natural Questions (DPR split) over 21M Wikipedia passages',
  format: 'nq',
  licence:
    'NQ questions and answers: CC BY-SA 3.0 (Google; see nq_license/LICENSE and README fetched beside the data). ' +
    'Wikipedia passages: CC BY-SA 3.0 (Wikipedia text). DPR preprocessing: facebookresearch/DPR, CC BY-NC 4.0 code licence.',
  homepage: 'https://github.com/facebookresearch/DPR',
  files: [
    { url: `${DPR}/wikipedia_split/psgs_w100.tsv.gz`, file: 'psgs_w100.tsv.gz', approxBytes: 4_600_000_000, description: 'Wikipedia (Dec 2018) in 100-word passages: id, text, title; 21,015,324 rows' },
    { url: `${DPR}/data/retriever/biencoder-nq-train.json.gz`, file: 'biencoder-nq-train.json.gz', approxBytes: 2_000_000_000, description: 'DPR NQ train: question, answers, positive/negative/hard-negative passages (58,880 questions)' },
    { url: `${DPR}/data/retriever/biencoder-nq-dev.json.gz`, file: 'biencoder-nq-dev.json.gz', approxBytes: 230_000_000, description: 'DPR NQ dev with passage pools (6,515 questions)' },
    { url: `${DPR}/data/retriever/nq-train.qa.csv`, file: 'nq-train.qa.csv', approxBytes: 5_000_000, description: 'question<TAB>answers list (79,168 questions)' },
    { url: `${DPR}/data/retriever/nq-dev.qa.csv`, file: 'nq-dev.qa.csv', approxBytes: 600_000, description: 'question<TAB>answers list (8,757 questions)' },
    { url: `${DPR}/data/retriever/nq-test.qa.csv`, file: 'nq-test.qa.csv', approxBytes: 300_000, description: 'question<TAB>answers list (3,610 questions)' },
    { url: `${DPR}/nq_license/LICENSE`, file: 'LICENSE', approxBytes: 20_000, description: 'NQ licence text' },
    { url: `${DPR}/nq_license/README`, file: 'README', approxBytes: 2_000, description: 'NQ licence notes' },
  ],
  counts: { corpus: 21_015_324, trainQuestions: 58_880, devQuestions: 6_515, testQuestions: 3_610 },
};

/** MS MARCO passage ranking: collection, queries and qrels. */
export const MSMARCO_SOURCE: DataSource = {
  name: 'msmarco',
  title: 'MS MARCO passage ranking (8.8M passages; dev.small MRR@10)',
  format: 'msmarco',
  licence:
    'MS MARCO terms and conditions: non-commercial research use only; the data is provided "as is" by Microsoft ' +
    '(https://microsoft.github.io/msmarco/). Do not redistribute.',
  homepage: 'https://github.com/microsoft/MSMARCO-Passage-Ranking',
  files: [
    {
      url: `${MSMARCO}/collectionandqueries.tar.gz`,
      mirrors: [`${MSMARCO_ORIGINAL}/collectionandqueries.tar.gz`],
      file: 'collectionandqueries.tar.gz',
      md5: '31644046b18952c1386cd4564ba2ae69',
      approxBytes: 2_900_000_000, // published figures differ (about 1 GB to 2.9 GB): the larger one, for the disk estimate
      extract: true,
      description: 'collection.tsv (8,841,823 passages), queries.{train,dev,eval}.tsv, queries.dev.small.tsv (6,980), qrels.dev.small.tsv (7,437), qrels.train.tsv',
    },
    {
      url: `${MSMARCO}/qrels.train.tsv`,
      mirrors: [`${MSMARCO_ORIGINAL}/qrels.train.tsv`],
      file: 'qrels.train.tsv',
      approxBytes: 10_600_000,
      description: 'train qrels: qid 0 pid 1 (532,761 rows)',
    },
  ],
  counts: { corpus: 8_841_823, devSmallQueries: 6_980, devSmallQrels: 7_437, trainQrels: 532_761 },
};

function beir(name: string, title: string, md5: string, licence: string, counts: Record<string, number>, approxBytes: number): DataSource {
  return {
    name,
    title,
    format: 'beir',
    licence,
    homepage: 'https://github.com/beir-cellar/beir',
    files: [{ url: `${BEIR}/${name}.zip`, file: `${name}.zip`, md5, approxBytes, extract: true, description: `BEIR ${name}: corpus.jsonl, queries.jsonl, qrels/*.tsv` }],
    counts,
  };
}

/** The BEIR sets small enough for a laptop. */
export const BEIR_SOURCES: DataSource[] = [
  beir('scifact', 'BEIR SciFact (scientific claim verification)', '5f7d1de60b170fc8027bb7898e2efca1', 'CC BY-NC 2.0 (SciFact, Allen Institute for AI); BEIR packaging Apache-2.0', { corpus: 5_183, testQueries: 300 }, 2_800_000),
  beir('nfcorpus', 'BEIR NFCorpus (nutrition / medical)', 'a89dba18a62ef92f7d323ec890a0d38d', 'NFCorpus: free for academic research use (Boteva et al., ECIR 2016); check the original terms', { corpus: 3_633, testQueries: 323 }, 2_500_000),
  beir('arguana', 'BEIR ArguAna (counter-argument retrieval)', '8ad3e3c2a5867cdced806d6503f29b99', 'CC BY 4.0 (ArguAna, Wachsmuth et al. 2018)', { corpus: 8_674, testQueries: 1_406 }, 3_800_000),
  beir('fiqa', 'BEIR FiQA-2018 (financial opinion QA)', '17918ed23cd04fb15047f73e6c3bd9d9', 'FiQA 2018 challenge data: research use; check the original terms', { corpus: 57_638, testQueries: 648 }, 17_000_000),
];

/** Every source by name, in the order `data download all` fetches them (small first). */
export const DATA_SOURCES: DataSource[] = [...BEIR_SOURCES, MSMARCO_SOURCE, NQ_SOURCE];

/** The source called `name`, or undefined. */
export function sourceByName(name: string): DataSource | undefined {
  return DATA_SOURCES.find((s) => s.name === name);
}
