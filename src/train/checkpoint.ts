/**
 * Checkpoints of a training run: everything the next step depends on, so that a run killed at any
 * step and resumed ends with the same numbers as an uninterrupted one (same backend).
 *
 *   checkpoint/state.json      step, RNG state, data order position, ledger, elapsed seconds
 *   checkpoint/order.i32       the current epoch's query order
 *   checkpoint/weights.bin     encoder variables, corrector variables, and both Adam optimisers'
 *                              moments, as float32 (names and sizes in weights.json)
 *   checkpoint/cache.f32, cache-at.i32   the cache, only when the strategy changed it
 *
 * Written into a temp folder that replaces the old checkpoint by rename, so a kill during a save
 * leaves the previous checkpoint whole.
 */
import * as fs from 'fs';
import * as path from 'path';
import { tf } from '../tensor';
import { writeJsonAtomic } from '../util/atomic';
import { InputError } from '../util/errors';
import { MemoryEmbeddings } from '../cache/memory';
import type { Corrector } from '../corrector/networks';
import type { Adam, AdamState } from '../corrector/adam';
import type { OnlineCorrectorTrainer } from '../corrector/fit';
import type { EncoderPair } from '../encoders/types';
import type { Rng } from '../util/rng';
import type { CostLedger } from './ledger';

export const CHECKPOINT_VERSION = 2;

/** Everything in a training run that changes from step to step; a checkpoint is exactly this. */
export interface LoopState {
  step: number;
  rng: Rng;
  /** The current epoch's query order, and the position in it. */
  order: Int32Array;
  orderPos: number;
  epoch: number;
  cache: MemoryEmbeddings | null;
  cacheChanged: boolean;
  ledger: CostLedger;
  /** Training seconds so far (excluding time spent down between a kill and a resume). */
  elapsed: number;
}

interface Parts {
  state: LoopState;
  enc: EncoderPair;
  encOpt: Adam;
  corrector: Corrector | null;
  corrOpt: OnlineCorrectorTrainer | null;
}

/** An Adam state without its arrays (they go to weights.bin as `<label>/m/<i>`, `<label>/v/<i>`). */
function adamScalars(a: AdamState): Omit<AdamState, 'm' | 'v'> & { names: string[] } {
  return { step: a.step, learningRate: a.learningRate, beta1: a.beta1, beta2: a.beta2, epsilon: a.epsilon, names: a.m.map((x) => x.name) };
}

/** The encoders' trainable variables in checkpoint order: the query encoder's, then the target's not shared. */
export function encoderVariables(enc: EncoderPair): tf.Variable[] {
  const vars = [...enc.query.trainableVariables()];
  if (enc.target !== enc.query) for (const v of enc.target.trainableVariables()) if (!vars.includes(v)) vars.push(v);
  return vars;
}

interface CheckpointFiles {
  /** The folder read: the checkpoint, or `.old` when a save was killed mid-swap. */
  at: string;
  state: any;
  meta: { name: string; shape: number[]; size: number }[];
  byName: Map<string, { shape: number[]; data: Float32Array }>;
  read(file: string): Buffer;
}

function readCheckpointFiles(dir: string): CheckpointFiles {
  const at = fs.existsSync(path.join(dir, 'state.json')) ? dir : `${dir}.old`;
  const read = (f: string) => fs.readFileSync(path.join(at, f));
  let state: any;
  try {
    state = JSON.parse(read('state.json').toString('utf8'));
  } catch (e) {
    throw new InputError(`${path.join(at, 'state.json')}: unreadable checkpoint (${(e as Error).message}); delete the run folder to start over`);
  }
  if (state.version !== CHECKPOINT_VERSION) throw new InputError(`${path.join(at, 'state.json')}: checkpoint version ${state.version}, this code reads ${CHECKPOINT_VERSION}`);
  const meta: CheckpointFiles['meta'] = JSON.parse(read('weights.json').toString('utf8'));
  const raw = read('weights.bin');
  const all = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  const byName = new Map<string, { shape: number[]; data: Float32Array }>();
  let off = 0;
  for (const m of meta) {
    byName.set(m.name, { shape: m.shape, data: all.subarray(off, off + m.size) });
    off += m.size;
  }
  return { at, state, meta, byName, read };
}

/** A checkpoint whose encoder weights do not fit the encoders built for it (other code, config or data wrote it). */
export class CheckpointMismatchError extends InputError {}

function assignEncoderWeights(f: CheckpointFiles, enc: EncoderPair): void {
  encoderVariables(enc).forEach((v, i) => {
    const w = f.byName.get(`encoder/${i}`);
    if (!w || w.data.length !== v.size) {
      const held = w ? `holds 'encoder/${i}' of shape [${w.shape.join(', ')}]` : `lacks 'encoder/${i}'`;
      throw new CheckpointMismatchError(`${f.at}: checkpoint ${held}, but the encoders built for it need [${v.shape.join(', ')}] (was the run's config changed?)`);
    }
    v.assign(tf.tensor(w.data, v.shape));
  });
}

/**
 * Loads only the encoders' weights of a checkpoint into `enc` (built from the run's config), e.g.
 * to evaluate a finished run; returns the checkpoint's step.
 */
export function loadEncoderWeights(dir: string, enc: EncoderPair): number {
  const f = readCheckpointFiles(dir);
  tf.tidy(() => assignEncoderWeights(f, enc));
  return f.state.step;
}

export function hasCheckpoint(dir: string): boolean {
  return fs.existsSync(path.join(dir, 'state.json')) || fs.existsSync(path.join(dir + '.old', 'state.json'));
}

export async function saveCheckpoint(dir: string, p: Parts): Promise<void> {
  const tmp = `${dir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  const named: { name: string; shape: number[]; data: Float32Array }[] = [];
  const encVars = encoderVariables(p.enc);
  const corrVars = p.corrector?.variables() ?? [];
  const values = await readVariables([...encVars, ...corrVars]);
  encVars.forEach((v, i) => named.push({ name: `encoder/${i}`, shape: v.shape, data: values[i] }));
  corrVars.forEach((v, i) => named.push({ name: `corrector/${i}`, shape: v.shape, data: values[encVars.length + i] }));
  const encAdam = p.encOpt.getState();
  const corr = p.corrOpt?.getState();
  for (const [label, a] of [['encOpt', encAdam], ['corrOpt', corr?.optimizer]] as const) {
    if (!a) continue;
    a.m.forEach((x, i) => named.push({ name: `${label}/m/${i}`, shape: x.shape, data: x.values }));
    a.v.forEach((x, i) => named.push({ name: `${label}/v/${i}`, shape: x.shape, data: x.values }));
  }
  const total = named.reduce((a, w) => a + w.data.length, 0);
  const buf = new Float32Array(total);
  let off = 0;
  for (const w of named) {
    buf.set(w.data, off);
    off += w.data.length;
  }
  fs.writeFileSync(path.join(tmp, 'weights.bin'), Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength));
  fs.writeFileSync(path.join(tmp, 'weights.json'), JSON.stringify(named.map((w) => ({ name: w.name, shape: w.shape, size: w.data.length }))));
  const s = p.state;
  fs.writeFileSync(path.join(tmp, 'order.i32'), Buffer.from(s.order.buffer, s.order.byteOffset, s.order.byteLength));
  if (s.cache && s.cacheChanged) {
    fs.writeFileSync(path.join(tmp, 'cache.f32'), Buffer.from(s.cache.data.buffer, s.cache.data.byteOffset, s.cache.data.byteLength));
    fs.writeFileSync(path.join(tmp, 'cache-at.i32'), Buffer.from(s.cache.embeddedAt.buffer, s.cache.embeddedAt.byteOffset, s.cache.embeddedAt.byteLength));
  }
  writeJsonAtomic(path.join(tmp, 'state.json'), {
    version: CHECKPOINT_VERSION, step: s.step, rng: s.rng.getState(), orderPos: s.orderPos, epoch: s.epoch,
    cacheChanged: s.cacheChanged, hasCache: !!s.cache, ledger: s.ledger.getState(), elapsed: s.elapsed,
    encOpt: adamScalars(encAdam),
    corrOpt: corr ? { steps: corr.steps, loss: corr.loss, optimizer: adamScalars(corr.optimizer) } : null,
  });
  // swap: old → .old, tmp → dir, drop .old (a kill in between leaves .old, which load falls back to)
  const old = `${dir}.old`;
  fs.rmSync(old, { recursive: true, force: true });
  if (fs.existsSync(dir)) fs.renameSync(dir, old);
  fs.renameSync(tmp, dir);
  fs.rmSync(old, { recursive: true, force: true });
}

/** The variables' values in one awaited device→host read. */
async function readVariables(vars: tf.Variable[]): Promise<Float32Array[]> {
  if (vars.length === 0) return [];
  const all = tf.tidy(() => tf.concat(vars.map((v) => v.reshape([-1]))));
  const flat = (await all.data()) as Float32Array;
  all.dispose();
  const out: Float32Array[] = [];
  let off = 0;
  for (const v of vars) {
    out.push(flat.subarray(off, off + v.size));
    off += v.size;
  }
  return out;
}

export async function loadCheckpoint(dir: string, p: Parts & { initialCache?: Float32Array }): Promise<void> {
  const f = readCheckpointFiles(dir);
  const { at, byName, read } = f;
  const st = f.state;
  const take = (name: string, shape: number[]) => {
    const w = byName.get(name);
    if (!w || w.data.length !== shape.reduce((a, b) => a * b, 1)) throw new InputError(`${at}: checkpoint lacks '${name}' of shape [${shape.join(', ')}] (was the run's config changed?)`);
    return w.data;
  };
  assignEncoderWeights(f, p.enc);
  p.corrector?.variables().forEach((v, i) => v.assign(tf.tensor(take(`corrector/${i}`, v.shape), v.shape)));
  const adamState = (label: string, scalars: ReturnType<typeof adamScalars>): AdamState => {
    const arrays = (kind: 'm' | 'v') => scalars.names.map((name, i) => {
      const w = byName.get(`${label}/${kind}/${i}`);
      if (!w) throw new InputError(`${at}: checkpoint lacks optimiser state '${label}/${kind}/${i}'`);
      return { name, shape: w.shape, values: Float32Array.from(w.data) };
    });
    return { step: scalars.step, learningRate: scalars.learningRate, beta1: scalars.beta1, beta2: scalars.beta2, epsilon: scalars.epsilon, m: arrays('m'), v: arrays('v') };
  };
  p.encOpt.setState(adamState('encOpt', st.encOpt));
  if (p.corrOpt) {
    if (!st.corrOpt) throw new InputError(`${at}: checkpoint has no corrector optimiser state (was the strategy changed?)`);
    p.corrOpt.setState({ steps: st.corrOpt.steps, loss: st.corrOpt.loss, optimizer: adamState('corrOpt', st.corrOpt.optimizer) });
  }
  const s = p.state;
  s.step = st.step;
  s.rng.setState(st.rng);
  s.orderPos = st.orderPos;
  s.epoch = st.epoch;
  const ord = read('order.i32');
  s.order = new Int32Array(ord.buffer.slice(ord.byteOffset, ord.byteOffset + ord.byteLength));
  s.ledger.setState(st.ledger);
  s.elapsed = st.elapsed;
  s.cacheChanged = st.cacheChanged;
  if (st.hasCache) {
    if (st.cacheChanged) {
      const c = read('cache.f32');
      const a = read('cache-at.i32');
      const data = new Float32Array(c.buffer.slice(c.byteOffset, c.byteOffset + c.byteLength));
      const dim = p.enc.target.dim;
      s.cache = new MemoryEmbeddings(data, dim, { embeddedAt: new Int32Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength)) });
    } else {
      if (!p.initialCache) throw new InputError(`${at}: this checkpoint's cache is the initial one, which is not stored in the checkpoint; pass the run's initial cache to resume`);
      s.cache = new MemoryEmbeddings(Float32Array.from(p.initialCache), p.enc.target.dim, { step: 0 });
    }
  }
}
