import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseFlags, formatHelp } from '../../src/cli/args';
import { defineOptions } from '../../src/util/options';
import { InputError } from '../../src/util/errors';

const flags = defineOptions({
  steps: { type: 'int', help: 'training steps', default: 100, min: 0, max: 1000 },
  lr: { type: 'number', help: 'learning rate', default: 0.001, min: 0, minExclusive: true },
  strategies: { type: 'list', of: 'string', help: 'strategies', default: ['stale'] },
  dtype: { type: 'string', help: 'storage type', default: 'f32', choices: ['f32', 'f16'] },
  exact: { type: 'boolean', help: 'exact search', default: true },
  out: { type: 'string', help: 'output folder', required: true },
  net: {
    type: 'section', help: 'Network', options: {
      kind: { type: 'string', help: 'kind', default: 'mlp', choices: ['mlp', 'linear'] },
      width: { type: 'int', help: 'width', min: 1 },
      warmup: { type: 'int', help: 'warm-up steps', default: 0, min: 0, flag: 'warmup-steps' },
    },
    shorthand: { help: 'a named network', placeholder: 'name', expand: (v: string) => (v === 'big' ? { kind: 'mlp', width: 512 } : { kind: v }) },
  },
});

test('flags, = form, lists, negated booleans and positionals', () => {
  const o = parseFlags(['--steps', '5', '--lr=0.1', '--strategies', 'a,b', '--no-exact', '--out', 'x', 'pos'], flags, 'cmd');
  assert.equal(o.steps, 5);
  assert.equal(o.lr, 0.1);
  assert.deepEqual(o.strategies, ['a', 'b']);
  assert.equal(o.exact, false);
  assert.equal(o.dtype, 'f32');
  assert.deepEqual(o._, ['pos']);
  assert.deepEqual(o.net, { kind: 'mlp', warmup: 0 });
  assert.deepEqual([...o._given].sort(), ['exact', 'lr', 'out', 'steps', 'strategies']);
});

test('section flags, their own flag names, and the shorthand', () => {
  const o = parseFlags(['--out', 'x', '--net', 'big', '--warmup-steps', '3'], flags, 'cmd');
  assert.deepEqual(o.net, { kind: 'mlp', width: 512, warmup: 3 });
  const p = parseFlags(['--out', 'x', '--net-kind', 'linear', '--net-width=7'], flags, 'cmd');
  assert.deepEqual(p.net, { kind: 'linear', width: 7, warmup: 0 });
  assert.ok(p._given.has('net.width') && !p._given.has('net.warmup'));
  assert.throws(() => parseFlags(['--out', 'x', '--net', 'conv'], flags, 'cmd'), /^InputError: --net: expected one of mlp, linear, got 'conv'$/);
});

test('config file values apply, command-line flags win, kebab or camel keys', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fc-args-'));
  const cfg = path.join(dir, 'c.json');
  fs.writeFileSync(cfg, JSON.stringify({ steps: 7, lr: 0.5, out: 'fromcfg', dtype: 'f16' }));
  const o = parseFlags(['--config', cfg, '--lr', '0.2'], flags, 'cmd');
  assert.equal(o.steps, 7);
  assert.equal(o.lr, 0.2);
  assert.equal(o.out, 'fromcfg');
  assert.equal(o.dtype, 'f16');
  fs.writeFileSync(cfg, JSON.stringify({ bogus: 1 }));
  assert.throws(() => parseFlags(['--config', cfg, '--out', 'x'], flags, 'cmd'), /c\.json: unknown option 'bogus' for cmd/);
  fs.writeFileSync(cfg, '{not json');
  assert.throws(() => parseFlags(['--config', cfg], flags, 'cmd'), /c\.json: not valid JSON/);
  fs.rmSync(dir, { recursive: true });
});

test('config files: nested sections, flag names at the top level, shorthand; unknown keys and bad values name the key path', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fc-args-'));
  const cfg = path.join(dir, 'c.json');
  const parse = (obj: unknown, argv: string[] = []) => {
    fs.writeFileSync(cfg, JSON.stringify(obj));
    return parseFlags(['--config', cfg, ...argv], flags, 'cmd');
  };
  assert.deepEqual(parse({ out: 'o', net: { kind: 'linear', width: 3 } }).net, { kind: 'linear', width: 3, warmup: 0 });
  assert.deepEqual(parse({ out: 'o', 'net-width': 4, warmupSteps: 2 }).net, { kind: 'mlp', width: 4, warmup: 2 });
  assert.deepEqual(parse({ out: 'o', net: 'big' }).net, { kind: 'mlp', width: 512, warmup: 0 });
  assert.deepEqual(parse({ out: 'o', net: { width: 3 } }, ['--net-width', '9']).net, { kind: 'mlp', width: 9, warmup: 0 });
  const fails: [unknown, RegExp][] = [
    [{ out: 'o', net: { widht: 3 } }, /c\.json: unknown option 'net\.widht' for cmd/],
    [{ out: 'o', net: { width: 0 } }, /c\.json: key 'net\.width': expected an integer ≥ 1, got 0$/],
    [{ out: 'o', net: { width: '3' } }, /c\.json: key 'net\.width': expected an integer ≥ 1, got "3"$/],
    [{ out: 'o', net: { width: 2.5 } }, /key 'net\.width': expected an integer ≥ 1, got 2\.5$/],
    [{ out: 'o', steps: 1001 }, /key 'steps': expected an integer in 0\.\.1000, got 1001$/],
    [{ out: 'o', net: 5 }, /key 'net': expected name or an object of net options, got 5$/],
    [{ out: 'o', net: { width: 3 }, netWidth: 4 }, /'netWidth' sets net\.width, which the file already sets/],
    [{ out: 'o', strategies: 'a,b' }, /key 'strategies': expected a JSON array/],
    [{ out: 'o', exact: 'yes' }, /key 'exact': expected true or false, got "yes"/],
    [[1, 2], /c\.json: expected a JSON object of option values/],
  ];
  for (const [obj, re] of fails) assert.throws(() => parse(obj), (e: unknown) => e instanceof InputError && re.test(e.message) && !e.message.includes('\n'), JSON.stringify(obj));
  fs.rmSync(dir, { recursive: true });
});

test('bad flags give one-line InputErrors naming the flag and what was expected', () => {
  const cases: [string[], RegExp][] = [
    [['--steps', 'ten', '--out', 'x'], /^--steps: expected an integer in 0..1000, got 'ten'$/],
    [['--steps', '1.5', '--out', 'x'], /^--steps: expected an integer in 0..1000, got '1.5'$/],
    [['--steps', '0x3', '--out', 'x'], /^--steps: expected an integer in 0..1000, got '0x3'$/],
    [['--steps', '1e2', '--out', 'x'], /^--steps: expected an integer in 0..1000, got '1e2'$/],
    [['--steps=', '--out', 'x'], /^--steps: expected an integer in 0..1000, got ''$/],
    [['--steps', '-1', '--out', 'x'], /^--steps: expected an integer in 0..1000, got '-1'$/],
    [['--lr', '0', '--out', 'x'], /^--lr: expected a number > 0, got '0'$/],
    [['--lr', '0x1', '--out', 'x'], /^--lr: expected a number > 0, got '0x1'$/],
    [['--lr', 'Infinity', '--out', 'x'], /^--lr: expected a number > 0, got 'Infinity'$/],
    [['--strategies', ',', '--out', 'x'], /^--strategies: expected a non-empty list, got ','$/],
    [['--no-exact=1', '--out', 'x'], /^--no-exact: takes no value$/],
    [['--dtype', 'f64', '--out', 'x'], /^--dtype: expected one of f32, f16, got 'f64'$/],
    [['--nope', '--out', 'x'], /unknown flag --nope/],
    [['--out'], /^--out: expected a value/],
    [[], /missing required flag --out/],
    [['--lr', 'NaN', '--out', 'x'], /^--lr: expected a number > 0, got 'NaN'$/],
  ];
  for (const [argv, re] of cases) {
    assert.throws(() => parseFlags(argv, flags, 'cmd'), (e: unknown) => e instanceof InputError && re.test(e.message) && !e.message.includes('\n'), argv.join(' '));
  }
});

test('numbers in range parse, with their edges', () => {
  const o = parseFlags(['--steps', '1000', '--lr', '1e-5', '--out', 'x'], flags, 'cmd');
  assert.equal(o.steps, 1000);
  assert.equal(o.lr, 1e-5);
  assert.equal(parseFlags(['--steps', '0', '--out', 'x'], flags, 'cmd').steps, 0);
  assert.equal(parseFlags(['--lr', '.5', '--out', 'x'], flags, 'cmd').lr, 0.5);
});

test('help lists every flag with its default and range, sections under their heading', () => {
  const h = formatHelp('cmd', 'does things', flags);
  for (const name of ['--steps', '--lr', '--strategies', '--dtype', '--[no-]exact', '--out', '--backend', '--config', '--net <name>', '--net-kind', '--warmup-steps']) assert.ok(h.includes(name), name);
  assert.match(h, /default: 100; an integer in 0\.\.1000/);
  assert.match(h, /Network \(config section "net"\):/);
});
