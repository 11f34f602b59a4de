import { test } from 'node:test';
import assert from 'node:assert/strict';
import { porterStem } from '../../src/text/porter';
import { analyzeEnglish, standardTokenize } from '../../src/text/english-analyzer';

test("porterStem gives Porter's published examples (1980 paper, steps 1-5)", () => {
  const cases: Record<string, string> = {
    caresses: 'caress', ponies: 'poni', ties: 'ti', caress: 'caress', cats: 'cat', feed: 'feed', agreed: 'agre',
    plastered: 'plaster', bled: 'bled', motoring: 'motor', sing: 'sing', conflated: 'conflat', troubled: 'troubl',
    sized: 'size', hopping: 'hop', tanned: 'tan', falling: 'fall', hissing: 'hiss', fizzed: 'fizz', failing: 'fail',
    filing: 'file', happy: 'happi', sky: 'sky', relational: 'relat', conditional: 'condit', rational: 'ration',
    valenci: 'valenc', hesitanci: 'hesit', digitizer: 'digit', conformabli: 'conform', radicalli: 'radic',
    differentli: 'differ', vileli: 'vile', analogousli: 'analog', vietnamization: 'vietnam', predication: 'predic',
    operator: 'oper', feudalism: 'feudal', decisiveness: 'decis', hopefulness: 'hope', callousness: 'callous',
    formaliti: 'formal', sensitiviti: 'sensit', sensibiliti: 'sensibl', triplicate: 'triplic', formative: 'form',
    formalize: 'formal', electriciti: 'electr', electrical: 'electr', hopeful: 'hope', goodness: 'good', revival: 'reviv',
    allowance: 'allow', inference: 'infer', airliner: 'airlin', gyroscopic: 'gyroscop', adjustable: 'adjust',
    defensible: 'defens', irritant: 'irrit', replacement: 'replac', adjustment: 'adjust', dependent: 'depend',
    adoption: 'adopt', homologou: 'homolog', communism: 'commun', activate: 'activ', angulariti: 'angular',
    homologous: 'homolog', effective: 'effect', bowdlerize: 'bowdler', probate: 'probat', rate: 'rate', cease: 'ceas',
    controll: 'control', roll: 'roll',
    // the C version's departures that Lucene keeps: logi → log, bli → ble
    archaeology: 'archaeolog', generalizations: 'gener', oscillators: 'oscil',
    // one- and two-letter words are left alone
    is: 'is', as: 'as', y: 'y',
  };
  for (const [w, want] of Object.entries(cases)) assert.equal(porterStem(w), want, w);
});

test('standardTokenize: UAX #29 joins letters across . \' : and digits across , . ;', () => {
  assert.deepEqual(standardTokenize("The U.S.A.'s rock'n'roll costs 1,000.50 e.g. a:b x-y foo_bar 北京"), ['The', 'U.S.A', 's', "rock'n'roll", 'costs', '1,000.50', 'e.g', 'a:b', 'x', 'y', 'foo_bar', '北', '京']);
});

test('analyzeEnglish: possessive, lower case, 33 stop words, Porter (Lucene EnglishAnalyzer)', () => {
  assert.deepEqual(analyzeEnglish("The Cat's toys are in the garden, running"), ['cat', 'toi', 'garden', 'run']);
  assert.deepEqual(analyzeEnglish('İstanbul ΣΟΦΊΑ'), ['istanbul', 'σοφία']);
  assert.deepEqual(analyzeEnglish('to be or not to be'), []);
});
