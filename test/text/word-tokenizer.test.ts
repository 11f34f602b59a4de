import { test } from 'node:test';
import assert from 'node:assert/strict';
import { countTokens, tokenizeWords } from '../../src/text/word-tokenizer';

test('lower-cases and splits on non-alphanumerics; masks and punctuation vanish', () => {
  assert.deepEqual(tokenizeWords('The Dog, the CAT; (and) ___ a mouse!'), ['the', 'dog', 'the', 'cat', 'and', 'a', 'mouse']);
  assert.deepEqual(tokenizeWords('Café naïve'), ['café', 'naïve']);
  assert.deepEqual(tokenizeWords(''), []);
});

test('clitics split off as GloVe 6B has them', () => {
  assert.deepEqual(tokenizeWords("I don't think John's car can't go; we're sure"), ['i', 'do', "n't", 'think', 'john', "'s", 'car', 'ca', "n't", 'go', 'we', "'re", 'sure']);
  assert.deepEqual(tokenizeWords('it’ll'), ['it', "'ll"]);
  assert.deepEqual(tokenizeWords("o'clock"), ["o'clock"]);
});

test('numbers keep inner separators; hyphenated compounds split unless kept', () => {
  assert.deepEqual(tokenizeWords('3.5 million, 1,000 people. End.'), ['3.5', 'million', '1,000', 'people', 'end']);
  assert.deepEqual(tokenizeWords('a well-known long-winded man'), ['a', 'well', 'known', 'long', 'winded', 'man']);
  const keep = (c: string) => c === 'well-known';
  assert.deepEqual(tokenizeWords('a well-known long-winded man', { keepCompound: keep }), ['a', 'well-known', 'long', 'winded', 'man']);
});

test('countTokens counts occurrences', () => {
  const c = countTokens(['a b a', 'B c']);
  assert.deepEqual([...c.entries()].sort(), [['a', 2], ['b', 2], ['c', 1]]);
});
