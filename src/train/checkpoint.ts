/**
 * Checkpoints of a training run: everything the next step depends on, so that a run killed at any
 * step and resumed ends with the same numbers as an uninterrupted one (same backend).
 *
 *   checkpoint/state.json      step, RNG state, data order position, ledger, elapsed seconds
 *   checkpoint/order.i32       the current epoch's query order
 *   checkpoint/weights.bin     encoder variables, corrector variables, and both Adam optimisers'
 *                              moments, as float32 (names and sizes in weights.json)
 *   checkpoint/cache.f32, cache-at.i32   the cache, only when the strategy changed it
 *   checkpoint/manifest.json   written last: every file above with its size and sha256, the step
 *                              and the data order's length
 *
 * Written into a temp folder (`checkpoint.tmp-<pid>`) that replaces the old checkpoint by rename,
 * so a kill during a save leaves the previous checkpoint whole; the next save or resume removes the
 * temp folders of processes that no longer run. A resume verifies the manifest first (sizes,
 * checksums), then what the checksums cannot see (weights finite, the step, the data order a
 * permutation of the training queries), and refuses anything else with one line that says how to
 * start over: a corrupt checkpoint never resumes into a different run.
 */
import * as fs from 'fs';
import * as path from 'path';
import { tf } from '../tensor';
import { escapeRegExp, removeLeftovers, writeJsonAtomic } from '../util/atomic';
import { InputError } from '../util/errors';
import { sha256 } from '../util/hash';
import { MemoryEmbeddings } from '../cache/memory';
import type { Corrector } from '../corrector/networks';
import type { Adam, AdamState } from '../corrector/adam';
import type { OnlineCorrectorTrainer } from '../corrector/fit';
import type { EncoderPair } from '../encoders/types';
import type { Rng } from '../util/rng';
import type { CostLedger } from './ledger';

export const CHECKPOINT_VERSION = 3;
/** Checkpoints written before the manifest: their encoder weights can still be read (finished runs). */
const LEGACY_VERSION = 2;
const MANIFEST = 'manifest.json';

interface ManifestFile {
  name: string;
  bytes: number;
  sha256: string;
}

interface CheckpointManifest {
  format: 'freshcache-checkpoint';
  version: number;
  step: number;
  /** Queries in the data order (order.i32 holds a permutation of 0..orderLength-1). */
  orderLength: number;
  files: ManifestFile[];
}

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
  /** A file of the checkpoint, already checked against the manifest. */
  read(file: string): Buffer;
}

/** The one-line refusal of a checkpoint that cannot be trusted, with the way out. */
function corrupt(dir: string, file: string, what: string): InputError {
  const runDir = path.dirname(path.resolve(dir));
  return new InputError(`${path.join(dir, file)}: ${what}; the checkpoint is damaged or was edited and cannot be resumed: start over with --fresh (or delete ${runDir})`);
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/**
 * Reads and checks a checkpoint folder (or its `.old` twin). `legacyOk`: a version-2 checkpoint
 * (no manifest) is read without verification, for the encoder weights of runs finished before the
 * manifest existed; resuming needs a verified one.
 */
function readCheckpointFiles(dir: string, legacyOk: boolean): CheckpointFiles {
  const has = (d: string) => fs.existsSync(path.join(d, MANIFEST)) || fs.existsSync(path.join(d, 'state.json'));
  const at = has(dir) ? dir : `${dir}.old`;
  const files = new Map<string, Buffer>();
  const readRaw = (f: string): Buffer => {
    try {
      return fs.readFileSync(path.join(at, f));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw corrupt(at, f, code === 'ENOENT' ? 'missing' : `unreadable (${code ?? (e as Error).message})`);
    }
  };
  const json = (f: string, buf: Buffer): any => {
    try {
      return JSON.parse(buf.toString('utf8'));
    } catch (e) {
      throw corrupt(at, f, `not valid JSON (${(e as Error).message})`);
    }
  };
  let manifest: CheckpointManifest | undefined;
  if (fs.existsSync(path.join(at, MANIFEST))) {
    manifest = json(MANIFEST, readRaw(MANIFEST));
    const m = manifest as unknown as Record<string, unknown>;
    if (m === null || typeof m !== 'object' || m.format !== 'freshcache-checkpoint') throw corrupt(at, MANIFEST, 'not a freshcache checkpoint manifest');
    if (m.version !== CHECKPOINT_VERSION) throw corrupt(at, MANIFEST, `checkpoint version ${JSON.stringify(m.version)}, this freshcache reads ${CHECKPOINT_VERSION}`);
    if (!isCount(m.step) || !isCount(m.orderLength) || !Array.isArray(m.files)) throw corrupt(at, MANIFEST, 'expected "step", "orderLength" and "files"');
    for (const f of manifest!.files) {
      if (!f || typeof f.name !== 'string' || !/^[\w.-]+$/.test(f.name) || f.name === MANIFEST || !isCount(f.bytes) || typeof f.sha256 !== 'string') throw corrupt(at, MANIFEST, 'malformed "files" entry');
      const buf = readRaw(f.name);
      if (buf.length !== f.bytes) throw corrupt(at, f.name, `${buf.length} bytes, the manifest says ${f.bytes} (truncated?)`);
      if (sha256(buf) !== f.sha256) throw corrupt(at, f.name, 'sha256 differs from the manifest\'s');
      files.set(f.name, buf);
    }
  }
  const read = (f: string): Buffer => {
    const buf = files.get(f);
    if (buf) return buf;
    if (manifest) throw corrupt(at, f, 'missing from the manifest');
    return readRaw(f);
  };
  const state = json('state.json', read('state.json'));
  if (state === null || typeof state !== 'object') throw corrupt(at, 'state.json', 'expected a JSON object');
  if (!manifest) {
    if (state.version === LEGACY_VERSION && legacyOk) {
      // no checksums to go by: at least the sizes must agree (below)
    } else if (state.version === LEGACY_VERSION) {
      throw corrupt(at, MANIFEST, 'missing: this checkpoint was written by an older freshcache (version 2, no checksums), which cannot be verified');
    } else throw corrupt(at, MANIFEST, 'missing (a save was interrupted, or files were removed)');
  } else if (state.version !== CHECKPOINT_VERSION || state.step !== manifest.step) {
    throw corrupt(at, 'state.json', `version ${state.version} and step ${state.step} disagree with the manifest's ${CHECKPOINT_VERSION} and ${manifest.step}`);
  }
  if (!isCount(state.step)) throw corrupt(at, 'state.json', `"step" ${JSON.stringify(state.step)} is not a step`);
  const meta: CheckpointFiles['meta'] = json('weights.json', read('weights.json'));
  if (!Array.isArray(meta) || !meta.every((m) => m && typeof m.name === 'string' && isCount(m.size) && Array.isArray(m.shape))) throw corrupt(at, 'weights.json', 'expected a list of {name, shape, size}');
  const raw = read('weights.bin');
  const total = meta.reduce((a, m) => a + m.size, 0);
  if (raw.length !== total * 4) throw corrupt(at, 'weights.bin', `${raw.length} bytes, weights.json lists ${total} float32 values (${total * 4} bytes)`);
  const all = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  for (let i = 0; i < all.length; i++) {
    if (!Number.isFinite(all[i])) {
      let off = 0;
      const owner = meta.find((m) => (off += m.size) > i)!;
      throw corrupt(at, 'weights.bin', `holds ${all[i]} in '${owner.name}'`);
    }
  }
  const byName = new Map<string, { shape: number[]; data: Float32Array }>();
  let off = 0;
  for (const m of meta) {
    byName.set(m.name, { shape: m.shape, data: all.subarray(off, off + m.size) });
    off += m.size;
  }
  if (manifest) {
    // what the checksums cannot tell: the data order is a permutation of the training queries, and the position inside it
    const ord = read('order.i32');
    if (ord.length !== manifest.orderLength * 4) throw corrupt(at, 'order.i32', `${ord.length / 4} positions, the manifest says ${manifest.orderLength}`);
    const order = new Int32Array(ord.buffer.slice(ord.byteOffset, ord.byteOffset + ord.byteLength));
    const seen = new Uint8Array(order.length);
    for (const q of order) {
      if (q < 0 || q >= order.length || seen[q]) throw corrupt(at, 'order.i32', 'is not a permutation of the training queries');
      seen[q] = 1;
    }
    if (!isCount(state.orderPos) || state.orderPos > order.length || !isCount(state.epoch)) throw corrupt(at, 'state.json', `position ${state.orderPos} of epoch ${state.epoch} is outside the data order`);
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
  const f = readCheckpointFiles(dir, true);
  tf.tidy(() => assignEncoderWeights(f, enc));
  return f.state.step;
}

export function hasCheckpoint(dir: string): boolean {
  return [dir, `${dir}.old`].some((d) => fs.existsSync(path.join(d, MANIFEST)) || fs.existsSync(path.join(d, 'state.json')));
}

/** Removes the temp folders of saves that were killed (`checkpoint.tmp-<pid>` of processes no longer running). */
function removeKilledSaves(dir: string): void {
  removeLeftovers(path.dirname(dir), new RegExp(`^${escapeRegExp(path.basename(dir))}\\.tmp-(\\d+)$`));
}

export async function saveCheckpoint(dir: string, p: Parts): Promise<void> {
  removeKilledSaves(dir);
  const named: { name: string; shape: number[]; data: Float32Array }[] = [];
  const encVars = encoderVariables(p.enc);
  const corrVars = p.corrector?.variables() ?? [];
  const values = await readVariables([...encVars, ...corrVars]);
  encVars.forEach((v, i) => named.push({ name: `encoder/${i}`, shape: v.shape, data: values[i] }));
  corrVars.forEach((v, i) => named.push({ name: `corrector/${i}`, shape: v.shape, data: values[encVars.length + i] }));
  const encAdam = await p.encOpt.getState();
  const corr = await p.corrOpt?.getState();
  for (const [label, a] of [['encOpt', encAdam], ['corrOpt', corr?.optimizer]] as const) {
    if (!a) continue;
    a.m.forEach((x, i) => named.push({ name: `${label}/m/${i}`, shape: x.shape, data: x.values }));
    a.v.forEach((x, i) => named.push({ name: `${label}/v/${i}`, shape: x.shape, data: x.values }));
  }
  const s = p.state;
  // a diverged run must not overwrite its last good checkpoint
  for (const w of named) {
    if (!w.data.every(Number.isFinite)) throw new InputError(`${dir}: not saving step ${s.step}: '${w.name}' holds NaN or Infinity (training diverged); the checkpoint of the last good step is kept`);
  }
  const total = named.reduce((a, w) => a + w.data.length, 0);
  const buf = new Float32Array(total);
  let off = 0;
  for (const w of named) {
    buf.set(w.data, off);
    off += w.data.length;
  }
  const files: [string, Uint8Array][] = [
    ['weights.bin', new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength)],
    ['weights.json', Buffer.from(JSON.stringify(named.map((w) => ({ name: w.name, shape: w.shape, size: w.data.length }))))],
    ['order.i32', new Uint8Array(s.order.buffer, s.order.byteOffset, s.order.byteLength)],
  ];
  if (s.cache && s.cacheChanged) {
    files.push(['cache.f32', new Uint8Array(s.cache.data.buffer, s.cache.data.byteOffset, s.cache.data.byteLength)]);
    files.push(['cache-at.i32', new Uint8Array(s.cache.embeddedAt.buffer, s.cache.embeddedAt.byteOffset, s.cache.embeddedAt.byteLength)]);
  }
  files.push(['state.json', Buffer.from(JSON.stringify({
    version: CHECKPOINT_VERSION, step: s.step, rng: s.rng.getState(), orderPos: s.orderPos, epoch: s.epoch,
    cacheChanged: s.cacheChanged, hasCache: !!s.cache, ledger: s.ledger.getState(), elapsed: s.elapsed,
    encOpt: adamScalars(encAdam),
    corrOpt: corr ? { steps: corr.steps, loss: corr.loss, optimizer: adamScalars(corr.optimizer) } : null,
  }, null, 2) + '\n')]);
  const tmp = `${dir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  try {
    for (const [name, bytes] of files) fs.writeFileSync(path.join(tmp, name), bytes);
    const manifest: CheckpointManifest = {
      format: 'freshcache-checkpoint', version: CHECKPOINT_VERSION, step: s.step, orderLength: s.order.length,
      files: files.map(([name, bytes]) => ({ name, bytes: bytes.byteLength, sha256: sha256(bytes) })),
    };
    writeJsonAtomic(path.join(tmp, MANIFEST), manifest); // last: a folder without it is no checkpoint
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
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
  removeKilledSaves(dir);
  const f = readCheckpointFiles(dir, false);
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
