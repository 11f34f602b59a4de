import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defineOptions, defaultsOf, withoutDefaults, pickOptions, omitOptions, flattenOptions, parseOptionValue, rangeText } from '../../src/util/options';
import { InputError } from '../../src/util/errors';

const table = defineOptions({
  steps: { type: 'int', help: 'steps', default: 10, min: 0, max: 100 },
  lr: { type: 'number', help: 'lr', default: 0.1, min: 0, minExclusive: true, max: 1 },
  split: { type: 'string', help: 'split', default: 'test', nullable: true },
  sizes: { type: 'list', of: 'int', help: 'sizes', default: [1, 2], min: 1 },
  net: { type: 'section', help: 'Net', flagPrefix: 'n', options: { kind: { type: 'string', help: 'kind', default: 'mlp', choices: ['mlp', 'linear'] }, width: { type: 'int', help: 'width', min: 1, flag: 'w' } } },
});

test('ranges read as a user would say them', () => {
  assert.equal(rangeText('int', { min: 1 }), 'an integer ≥ 1');
  assert.equal(rangeText('int', { min: 0, max: 100 }), 'an integer in 0..100');
  assert.equal(rangeText('number', { min: 0, minExclusive: true }), 'a number > 0');
  assert.equal(rangeText('number', { min: 0, minExclusive: true, max: 1, maxExclusive: true }), 'a number in (0, 1)');
  assert.equal(rangeText('number', { min: 0, max: 1 }), 'a number in [0, 1]');
});

test('values: strict text on the command line, JSON types in config files', () => {
  const s = table.steps;
  assert.equal(parseOptionValue(s, '42', '--steps', true), 42);
  assert.equal(parseOptionValue(s, ' 7 ', '--steps', true), 7);
  assert.equal(parseOptionValue(s, 42, 'f: key', false), 42);
  for (const bad of ['0x3', '1e1', '3.5', '-5', '', ' ', '+', '101', '007x']) assert.throws(() => parseOptionValue(s, bad, '--steps', true), InputError, bad);
  assert.throws(() => parseOptionValue(s, '42', 'f: key', false), /expected an integer in 0\.\.100, got "42"/);
  assert.equal(parseOptionValue(table.lr, '1e-3', '--lr', true), 1e-3);
  assert.equal(parseOptionValue(table.lr, '.5', '--lr', true), 0.5);
  for (const bad of ['0', '1.5', 'NaN', 'Infinity', '0x1', '1e', '-0.1']) assert.throws(() => parseOptionValue(table.lr, bad, '--lr', true), InputError, bad);
  assert.equal(parseOptionValue(table.split, 'none', '--split', true), null);
  assert.equal(parseOptionValue(table.split, null, 'f', false), null);
  assert.deepEqual(parseOptionValue(table.sizes, '3, 4', '--sizes', true), [3, 4]);
  assert.throws(() => parseOptionValue(table.sizes, '3,0', '--sizes', true), /--sizes: expected a list of integers ≥ 1, got '0'/);
  assert.throws(() => parseOptionValue(table.sizes, [3, '4'], 'f', false), /expected a list of integers ≥ 1, got "4"/);
});

test('defaults, tables without defaults (help keeps them), picking and flag names', () => {
  assert.deepEqual(defaultsOf(table), { steps: 10, lr: 0.1, split: 'test', sizes: [1, 2], net: { kind: 'mlp' } });
  const bare = withoutDefaults(table);
  assert.deepEqual(defaultsOf(bare), { net: {} });
  assert.equal(bare.steps.defaultText, '10');
  assert.equal(bare.net.options.kind.defaultText, 'mlp');
  assert.deepEqual(Object.keys(pickOptions(table, ['lr', 'net'])), ['lr', 'net']);
  assert.deepEqual(Object.keys(omitOptions(table, ['lr', 'net'])), ['steps', 'split', 'sizes']);
  assert.deepEqual(flattenOptions(table).leaves.map((l) => [l.path.join('.'), l.flag]), [['steps', 'steps'], ['lr', 'lr'], ['split', 'split'], ['sizes', 'sizes'], ['net.kind', 'n-kind'], ['net.width', 'w']]);
});

test('a string list option checks each item with its check, naming the option', () => {
  const metrics = defineOptions({ metrics: { type: 'list', of: 'string', help: 'metrics', check: (x: string, where: string) => { if (!/@\d+$/.test(x)) throw new InputError(`${where}: '${x}' needs a cutoff`); } } }).metrics;
  assert.deepEqual(parseOptionValue(metrics, 'mrr@10,ndcg@10', '--metrics', true), ['mrr@10', 'ndcg@10']);
  assert.throws(() => parseOptionValue(metrics, 'mrr@10,map', '--metrics', true), /^InputError: --metrics: 'map' needs a cutoff$/);
  assert.throws(() => parseOptionValue(metrics, ['map'], 'f: key \'metrics\'', false), /f: key 'metrics': 'map' needs a cutoff/);
});
