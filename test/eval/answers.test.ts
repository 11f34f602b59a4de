import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AnswerMatcher, compileAnswerPattern, containsTokenSequence, dprTokens, hasAnswer, passageMatchText, topKAccuracy } from '../../src/eval';

describe('DPR SimpleTokenizer (NFD, [\\p{L}\\p{N}\\p{M}]+ | [^\\p{Z}\\p{C}], lower-cased)', () => {
  test('words, single punctuation tokens, case folded', () => {
    assert.deepEqual(dprTokens('Hello, World!'), ['hello', ',', 'world', '!']);
    assert.deepEqual(dprTokens('U.S. well-known 1,000'), ['u', '.', 's', '.', 'well', '-', 'known', '1', ',', '000']);
  });
  test('accents are decomposed (NFD) and the combining mark stays inside the word', () => {
    assert.deepEqual(dprTokens('Café'), ['cafe\u0301']);
    assert.deepEqual(dprTokens('Cafe\u0301'), ['cafe\u0301']);
  });
  test('spaces and control characters separate tokens and vanish', () => {
    assert.deepEqual(dprTokens(' a\tb\nc\u00a0d '), ['a', 'b', 'c', 'd']);
    assert.deepEqual(dprTokens(''), []);
  });
  test('each symbol is its own token', () => {
    assert.deepEqual(dprTokens('$5'), ['$', '5']);
    assert.deepEqual(dprTokens('"Yes"'), ['"', 'yes', '"']);
  });
});

describe('has_answer, string mode', () => {
  test('case and spacing do not matter; token sequence must be contiguous', () => {
    assert.equal(hasAnswer(['hello world'], 'Well, HELLO   World!'), true);
    assert.equal(hasAnswer(['hello world'], 'hello big world'), false);
  });
  test('whole tokens only, not substrings', () => {
    assert.equal(hasAnswer(['hello'], 'hellos everyone'), false);
    assert.equal(hasAnswer(['art'], 'a party'), false);
  });
  test('accents: NFC answer matches NFD text and vice versa; unaccented does not match accented', () => {
    assert.equal(hasAnswer(['Café'], 'the CAFE\u0301 is open'), true);
    assert.equal(hasAnswer(['Cafe\u0301'], 'the café is open'), true);
    assert.equal(hasAnswer(['cafe'], 'the café is open'), false);
  });
  test('punctuation is part of the sequence', () => {
    assert.equal(hasAnswer(['U.S.'], 'the U.S. army'), true);
    assert.equal(hasAnswer(['U.S.'], 'the US army'), false);
    assert.equal(hasAnswer(['1,000'], '1,000 people'), true);
    assert.equal(hasAnswer(['1,000'], '1000 people'), false);
    assert.equal(hasAnswer(['well-known'], 'a well - known fact'), true);
  });
  test('any of several answers', () => {
    assert.equal(hasAnswer(['nope', 'Paris'], 'It is in paris.'), true);
    assert.equal(hasAnswer([], 'anything'), false);
  });
  test('an answer with no tokens matches every passage (as DPR: [] == text[i:i])', () => {
    assert.equal(hasAnswer(['  '], 'anything'), true);
    assert.equal(containsTokenSequence([], []), true);
  });
});

describe('has_answer, regex mode (CuratedTREC)', () => {
  test('case-insensitive search anywhere in the text', () => {
    assert.equal(hasAnswer(['colou?r'], 'The COLOR red', 'regex'), true);
    assert.equal(hasAnswer(['^red$'], 'blue\nred\ngreen', 'regex'), true);
    assert.equal(hasAnswer(['\\d{4}'], 'in 199', 'regex'), false);
  });
  test('a pattern that does not compile matches nothing', () => {
    assert.equal(compileAnswerPattern('('), null);
    assert.equal(hasAnswer(['(', 'x'], 'x marks', 'regex'), true);
    assert.equal(hasAnswer(['('], '( anything', 'regex'), false);
  });
  test('patterns and text are both NFD-normalised', () => {
    assert.equal(hasAnswer(['café'], 'CAFE\u0301', 'regex'), true);
  });
});

describe('passage text and accuracy', () => {
  test('title is not matched unless useTitle (DPR check_answer uses the text only)', () => {
    const p = { title: 'Eiffel Tower', text: 'A lattice tower in Paris.' };
    const m = new AnswerMatcher(['Eiffel']);
    assert.equal(m.matches(passageMatchText(p)), false);
    assert.equal(m.matches(passageMatchText(p, true)), true);
    assert.equal(passageMatchText(p, true), 'Eiffel Tower . A lattice tower in Paris.');
  });
  test('top-k accuracy from the first hit rank', () => {
    assert.equal(topKAccuracy(3, 5), 1);
    assert.equal(topKAccuracy(3, 2), 0);
    assert.equal(topKAccuracy(undefined, 100), 0);
  });
});
