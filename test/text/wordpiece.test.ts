import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { basicTokenize, wordpieceWord, WordPieceTokenizer, isPunctuation } from '../../src/text/wordpiece';
import { bertBaseUncasedVocab, Vocab } from '../../src/text/vocab';

const fixture = JSON.parse(fs.readFileSync(path.join(__dirname, '../fixtures/hf/tokenizer-ids.json'), 'utf8')) as {
  cases: { text: string; maxLength: number; slow: number[]; fast: number[] }[];
};

describe('BasicTokenizer', () => {
  test('lower-cases, strips accents, splits punctuation and CJK', () => {
    assert.deepEqual(basicTokenize('Héllo, Wörld! 中文ab'), ['hello', ',', 'world', '!', '中', '文', 'ab']);
    assert.deepEqual(basicTokenize("don't $5"), ['don', "'", 't', '$', '5']);
  });

  test('cased mode keeps case and accents', () => {
    assert.deepEqual(basicTokenize('Héllo World', { lowerCase: false }), ['Héllo', 'World']);
  });

  test('drops control characters and maps whitespace', () => {
    assert.deepEqual(basicTokenize('a\u0007b\tc\u00a0d\ufffd'), ['ab', 'c', 'd']);
    assert.equal(isPunctuation('^'), true);
    assert.equal(isPunctuation('a'), false);
    assert.equal(isPunctuation('«'), true);
  });
});

describe('WordPiece', () => {
  const v = new Vocab(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'un', '##aff', '##able', 'a', '##b']);
  test('greedy longest match first with ## continuations', () => {
    assert.deepEqual(wordpieceWord('unaffable', v), ['un', '##aff', '##able']);
    assert.deepEqual(wordpieceWord('ab', v), ['a', '##b']);
    assert.deepEqual(wordpieceWord('unx', v), ['[UNK]']);
  });

  test('a word over maxCharsPerWord becomes [UNK]', () => {
    assert.deepEqual(wordpieceWord('a' + 'b'.repeat(100), v), ['[UNK]']);
    assert.deepEqual(wordpieceWord('a' + 'b'.repeat(99), v).length, 100);
  });

  test('batch encoding pads and masks', () => {
    const tok = new WordPieceTokenizer(v);
    const b = tok.encodeBatch(['unaffable', 'a'], { maxLength: 4 });
    assert.equal(b.length, 4);
    assert.deepEqual(Array.from(b.inputIds), [2, 5, 6, 3, 2, 8, 3, 0]);
    assert.deepEqual(Array.from(b.attentionMask), [1, 1, 1, 1, 1, 1, 1, 0]);
    assert.deepEqual(Array.from(b.tokenTypeIds), [0, 0, 0, 0, 0, 0, 0, 0]);
    assert.deepEqual(Array.from(b.lengths), [4, 3]);
  });
});

describe('parity with Hugging Face tokenizers (bert-base-uncased vocabulary)', () => {
  const tok = new WordPieceTokenizer(bertBaseUncasedVocab());
  test('ids equal BertTokenizer (python) on every fixture text', () => {
    for (const c of fixture.cases) {
      assert.deepEqual(tok.encode(c.text, c.maxLength), c.slow, `${JSON.stringify(c.text)} maxLength ${c.maxLength}`);
    }
  });

  test('ids equal the fast (tokenizers) BertTokenizer wherever the two HF tokenizers agree', () => {
    let compared = 0;
    for (const c of fixture.cases) {
      if (JSON.stringify(c.slow) !== JSON.stringify(c.fast)) continue; // final sigma: fast lower-cases Σ to σ always
      assert.deepEqual(tok.encode(c.text, c.maxLength), c.fast, JSON.stringify(c.text));
      compared++;
    }
    assert.ok(compared >= fixture.cases.length - 2);
  });

  test('fixture covers truncation', () => {
    assert.ok(fixture.cases.some((c) => c.maxLength === 16 && c.slow.length === 16));
  });
});
