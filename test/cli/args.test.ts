import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseFlags, formatHelp, type Flags } from '../../src/cli/args';
import { InputError } from '../../src/util/errors';

const flags: Flags = {
  steps: { type: 'int', help: 'training steps', default: 100 },
  lr: { type: 'number', help: 'learning rate', default: 0.001 },
  strategies: { type: 'list', help: 'strategies', default: ['stale'] },
  dtype: { type: 'string', help: 'storage type', default: 'f32', choices: ['f32', 'f16'] },
  exact: { type: 'boolean', help: 'exact search', default: true },
  out: { type: 'string', help: 'output folder', required: true },
};

test('flags, = form, lists, negated booleans and positionals', () => {
  const o = parseFlags(['--steps', '5', '--lr=0.1', '--strategies', 'a,b', '--no-exact', '--out', 'x', 'pos'], flags, 'cmd');
  assert.equal(o.steps, 5);
  assert.equal(o.lr, 0.1);
  assert.deepEqual(o.strategies, ['a', 'b']);
  assert.equal(o.exact, false);
  assert.equal(o.dtype, 'f32');
  assert.deepEqual(o._, ['pos']);
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

test('bad flags give one-line InputErrors naming the flag and what was expected', () => {
  const cases: [string[], RegExp][] = [
    [['--steps', 'ten', '--out', 'x'], /^--steps: expected a number, got 'ten'$/],
    [['--steps', '1.5', '--out', 'x'], /^--steps: expected an integer, got '1.5'$/],
    [['--dtype', 'f64', '--out', 'x'], /^--dtype: expected one of f32, f16, got 'f64'$/],
    [['--nope', '--out', 'x'], /unknown flag --nope/],
    [['--out'], /^--out: expected a value/],
    [[], /missing required flag --out/],
    [['--lr', 'NaN', '--out', 'x'], /^--lr: expected a number, got 'NaN'$/],
  ];
  for (const [argv, re] of cases) {
    assert.throws(() => parseFlags(argv, flags, 'cmd'), (e: unknown) => e instanceof InputError && re.test(e.message) && !e.message.includes('\n'), argv.join(' '));
  }
});

test('help lists every flag with its default', () => {
  const h = formatHelp('cmd', 'does things', flags);
  for (const name of ['--steps', '--lr', '--strategies', '--dtype', '--no-exact'.slice(5), '--out', '--backend', '--config']) assert.ok(h.includes(name), name);
  assert.match(h, /default: 100/);
});
