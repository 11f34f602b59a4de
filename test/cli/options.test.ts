/**
 * Every command's declared options, table-driven: each numeric flag refuses values below and above
 * its range, non-integers, hex and blanks with exit 2 and one line naming the flag; `--help` lists
 * every option with its default; training options come nested from `--config` files, unknown keys
 * named by their path.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { commands } from '../../src/cli/commands';
import { main } from '../../src/cli/main';
import { formatHelp, parseFlags, defaultShown } from '../../src/cli/args';
import { flattenOptions, type LeafEntry, type LeafOption } from '../../src/util/options';
import { DEFAULT_TRAIN_CONFIG, resolveConfig, trainInputOf } from '../../src/train/config';
import { trainCommand } from '../../src/cli/commands/train';
import { reproduceCommand } from '../../src/cli/commands/reproduce';
import { InputError } from '../../src/util/errors';

/** Runs the CLI in this process; its exit code and what it printed to stderr. */
async function runCli(argv: string[]): Promise<{ code: number; stderr: string[] }> {
  const stderr: string[] = [];
  const [error, log] = [console.error, console.log];
  console.error = (...a: unknown[]) => void stderr.push(a.join(' '));
  console.log = () => {};
  try {
    return { code: await main(argv), stderr };
  } finally {
    [console.error, console.log] = [error, log];
  }
}

/** Values for a command's required flags, so that only the flag under test is wrong. */
function requiredArgs(leaves: LeafEntry[]): string[] {
  return leaves.filter((l) => l.spec.required).flatMap((l) => [`--${l.flag}`, 'x']);
}

type Numeric = { kind: 'int' | 'number'; min: number; max?: number; minExclusive?: boolean; maxExclusive?: boolean; list: boolean };

function numericOf(s: LeafOption): Numeric | undefined {
  if (s.type === 'int' || s.type === 'number') return { kind: s.type, min: s.min, max: s.max, minExclusive: s.type === 'number' ? s.minExclusive : false, maxExclusive: s.type === 'number' ? s.maxExclusive : false, list: false };
  if (s.type === 'list' && s.of !== 'string') return { kind: s.of, min: s.min, max: s.max, minExclusive: s.of === 'number' ? s.minExclusive : false, maxExclusive: s.of === 'number' ? s.maxExclusive : false, list: true };
  return undefined;
}

/** Bad values of a numeric option: below and above its range, not an integer / number, hex, empty. */
function badValues(n: Numeric): [string, string][] {
  const below = n.minExclusive ? String(n.min) : String(n.min - 1);
  const above = n.max === undefined ? (n.kind === 'int' ? '9007199254740993' : '1e309') : n.maxExclusive ? String(n.max) : String(n.max + 1);
  return [['below range', below], ['above range', above], [n.kind === 'int' ? 'not an integer' : 'not a number', n.kind === 'int' ? '2.5' : 'two'], ['hex', '0x10'], ['empty', '']];
}

/** A value inside the range (so the refusals above are not refusals of everything). */
function goodValue(n: Numeric): string {
  if (!n.minExclusive) return String(n.min);
  return String(n.max !== undefined ? (n.min + n.max) / 2 : n.min + 1);
}

describe('every numeric flag of every command declares a range and refuses what lies outside it', () => {
  const all = commands.map((c) => ({ c, leaves: flattenOptions(c.flags).leaves }));
  test('the table covers the commands and their numeric flags', () => {
    const names = all.map((x) => x.c.name);
    for (const n of ['start', 'train', 'reproduce', 'build-cache', 'search', 'fit-corrector', 'evaluate', 'bound', 'synthetic', 'bench', 'data']) assert.ok(names.includes(n), n);
    const numeric = all.flatMap((x) => x.leaves.filter((l) => numericOf(l.spec)));
    assert.ok(numeric.length > 100, `only ${numeric.length} numeric flags found`);
  });
  for (const { c, leaves } of all) {
    const numeric = leaves.filter((l) => numericOf(l.spec));
    if (numeric.length === 0) continue;
    test(`${c.name}: ${numeric.length} numeric flags`, async () => {
      const req = requiredArgs(leaves);
      for (const l of numeric) {
        const n = numericOf(l.spec)!;
        for (const [what, v] of badValues(n)) {
          const value = n.list && v !== '' ? `${goodValue(n)},${v}` : v;
          const r = await runCli([c.name, ...req, `--${l.flag}=${value}`]);
          const msg = `${c.name} --${l.flag}=${value} (${what})`;
          assert.equal(r.code, 2, msg);
          assert.equal(r.stderr.length, 1, `${msg}: ${r.stderr.join(' | ')}`);
          assert.ok(r.stderr[0].startsWith(`error: --${l.flag}: expected `), `${msg}: ${r.stderr[0]}`);
          assert.ok(!r.stderr[0].includes('\n'), msg);
        }
        // the edge of the range parses
        const parsed = parseFlags([...req, `--${l.flag}`, goodValue(n)], c.flags, c.name);
        const value = l.path.reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], parsed);
        assert.deepEqual(value, n.list ? [Number(goodValue(n))] : Number(goodValue(n)), `${c.name} --${l.flag} ${goodValue(n)}`);
      }
    });
  }
});

describe('--help of every command', () => {
  for (const c of commands) {
    test(`${c.name} lists every declared option with its default`, async () => {
      const help = formatHelp(c.name, c.summary, c.flags, c.usage);
      // entries: a line starting with two spaces and --, plus its continuation line
      const entries = help.split('\n').reduce<string[]>((acc, line) => {
        if (/^ {2}--/.test(line)) acc.push(line);
        else if (/^ {10,}\S/.test(line) && acc.length) acc[acc.length - 1] += ' ' + line.trim();
        return acc;
      }, []);
      const { leaves, shorthands } = flattenOptions(c.flags);
      for (const { spec, flag } of leaves) {
        const entry = entries.find((e) => e.startsWith(`  --${flag} `) || e.startsWith(`  --[no-]${flag} `) || e === `  --${flag}` || new RegExp(`^ {2}--(\\[no-\\])?${flag}\\s`).test(e));
        assert.ok(entry, `${c.name}: --${flag} missing from help`);
        const def = defaultShown(spec);
        if (def !== undefined) assert.ok(entry.includes(`default: ${def}`), `${c.name} --${flag}: default ${def} not shown in: ${entry}`);
        if (spec.type === 'int' || spec.type === 'number') assert.match(entry, /an? (integer|number)/, `${c.name} --${flag}: range not shown`);
      }
      for (const s of shorthands) assert.ok(entries.some((e) => e.startsWith(`  --${s.flag} <`)), `${c.name}: --${s.flag} missing`);
      const r = await runCli([c.name, '--help']);
      assert.equal(r.code, 0);
    });
  }
});

describe('training options: one declaration, nested --config sections', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fc-options-'));
  const cfgFile = (obj: unknown) => {
    const f = path.join(dir, `c${Math.random().toString(36).slice(2)}.json`);
    fs.writeFileSync(f, JSON.stringify(obj));
    return f;
  };

  test('train with no flags resolves to the defaults; flags to their options', () => {
    assert.deepEqual(resolveConfig(trainInputOf(parseFlags([], trainCommand.flags, 'train'))), DEFAULT_TRAIN_CONFIG);
    const o = parseFlags(['--max-tokens', '128', '--encoder-pooling', 'mean', '--corrector-kind', 'linear', '--warmup-steps', '5', '--test-split', 'none', '--dev-split', 'valid'], trainCommand.flags, 'train');
    const cfg = resolveConfig(trainInputOf(o));
    assert.equal(cfg.encoder.maxTokens, 128);
    assert.equal(cfg.encoder.pooling, 'mean');
    assert.equal(cfg.corrector.kind, 'linear');
    assert.equal(cfg.corrector.warmupSteps, 5);
    assert.equal(cfg.testSplit, null);
    assert.equal(cfg.devSplit, 'valid');
    assert.equal(cfg.steps, DEFAULT_TRAIN_CONFIG.steps);
  });

  test("a run's config.json is a valid --config and gives the same config", () => {
    const saved = resolveConfig({ name: 'x', steps: 7, strategy: 'refresh:3', testSplit: null, encoder: { maxTokens: 32 }, corrector: { kind: 'identity' } });
    const o = parseFlags(['--config', cfgFile(saved)], trainCommand.flags, 'train');
    assert.deepEqual(resolveConfig(trainInputOf(o)), saved);
  });

  test('nested sections and the --encoder shorthand; command-line flags win', () => {
    const f = cfgFile({ steps: 10, encoder: { maxTokens: 256, pooling: 'sif' }, corrector: { depth: 2, loss: 'softmax' } });
    const cfg = resolveConfig(trainInputOf(parseFlags(['--config', f, '--corrector-depth', '3'], trainCommand.flags, 'train')));
    assert.deepEqual([cfg.steps, cfg.encoder.maxTokens, cfg.encoder.pooling, cfg.corrector.depth, cfg.corrector.loss], [10, 256, 'sif', 3, 'softmax']);
    const bert = parseFlags(['--dataset', 'x', '--encoder', 'models/minilm', '--max-length', '64'], reproduceCommand.flags, 'reproduce').encoder;
    assert.deepEqual(bert, { kind: 'bert', checkpoint: 'models/minilm', maxLength: 64 });
    assert.deepEqual(parseFlags(['--config', cfgFile({ encoder: 'glove' })], trainCommand.flags, 'train').encoder, { kind: 'glove-bag' });
  });

  test('unknown keys, bad values and mismatched encoder options are refused with the key path (exit 2, one line)', async () => {
    const cases: [string, unknown, RegExp][] = [
      ['train', { encoder: { maxTokenz: 5 } }, /unknown option 'encoder\.maxTokenz' for train/],
      ['train', { corrector: { kind: 'mlp', bogus: 1 } }, /unknown option 'corrector\.bogus' for train/],
      ['train', { stepz: 5 }, /unknown option 'stepz' for train/],
      ['train', { corrector: { depth: 0 } }, /key 'corrector\.depth': expected an integer in 1\.\.64, got 0/],
      ['train', { encoder: { maxTokens: 1.5 } }, /key 'encoder\.maxTokens': expected an integer in 1\.\.1000000, got 1\.5/],
      ['train', { steps: '400' }, /key 'steps': expected an integer in 0\.\.100000000, got "400"/],
      ['train', { strategy: 'refresh:x' }, /key 'strategy': bad strategy 'refresh:x'/],
      ['train', { encoder: { kind: 'bert', checkpoint: 'm', maxTokens: 100 } }, /maxTokens \(--max-tokens\) is the GloVe bag's token limit/],
      ['start', { name: 5 }, /key 'name': expected a string, got 5/],
      ['start', { seeds: [1, -1] }, /key 'seeds': expected a list of integers in 0\.\.4294967295, got -1/],
      ['start', { seed: 3 }, /unknown option 'seed' for start/],
      ['reproduce', { dataset: 'x', corrector: { width: 0 } }, /key 'corrector\.width': expected an integer in 1\.\.1048576, got 0/],
      ['reproduce', { dataset: 'x', devSplit: 'valid' }, /unknown option 'devSplit' for reproduce/],
    ];
    for (const [cmd, obj, re] of cases) {
      const r = await runCli([cmd, '--config', cfgFile(obj)]);
      assert.equal(r.code, 2, `${cmd} ${JSON.stringify(obj)}`);
      assert.equal(r.stderr.length, 1, r.stderr.join(' | '));
      assert.match(r.stderr[0], re);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('--steps 0 is declared as "evaluate the initial encoders"', () => {
    assert.equal(parseFlags(['--steps', '0'], trainCommand.flags, 'train').steps, 0);
    assert.match(formatHelp('train', '', trainCommand.flags), /--steps <int> +training steps \(0: no training; evaluate the initial encoders\)/);
    assert.throws(() => parseFlags(['--steps', '-1'], trainCommand.flags, 'train'), InputError);
  });
});
