/**
 * Encoders behind one interface (types.ts), and `loadEncoder(dir)` that reads back any saved
 * encoder by the kind recorded in its `config.json`.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Encoder } from './types';
import { loadBertEncoder } from './bert-load';
import { loadRandomProjectionEncoder } from './random-projection';
import { GLOVE_BAG_FORMAT, loadGloveBagEncoder } from './glove-bag';
import { InputError } from '../util/errors';
import { readTextFile } from '../util/lines';

export * from './types';
export * from './bert';
export * from './safetensors';
export * from './random-projection';
export * from './glove-bag';

/** Reads a saved encoder folder back into an Encoder. */
export type EncoderLoader = (dir: string) => Promise<Encoder>;

/** Loaders by encoder kind. Register a new encoder kind here (or with `registerEncoderLoader`). */
const loaders = new Map<string, EncoderLoader>([
  ['bert', (dir) => loadBertEncoder(dir)],
  ['random-projection', async (dir) => loadRandomProjectionEncoder(dir)],
  ['glove-bag', async (dir) => loadGloveBagEncoder(dir)],
]);

/** Adds (or replaces) the loader of an encoder kind. */
export function registerEncoderLoader(kind: string, loader: EncoderLoader): void {
  loaders.set(kind, loader);
}

/**
 * The kind of the encoder saved in `dir`, from its config.json: `kind` at the top level or under
 * `config`, the glove-bag format tag, or `model_type` bert/dpr for a plain Hugging Face checkpoint.
 */
export function savedEncoderKind(dir: string): string {
  const file = path.join(dir, 'config.json');
  if (!fs.existsSync(file)) throw new InputError(`${dir}: no config.json; expected a saved encoder folder`);
  let raw: Record<string, any>;
  try {
    raw = JSON.parse(readTextFile(file));
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`${file}: not valid JSON (${(e as Error).message})`);
  }
  const kind = raw.kind ?? raw.config?.kind ?? (raw.format === GLOVE_BAG_FORMAT ? 'glove-bag' : undefined) ?? (raw.model_type === 'bert' || raw.model_type === 'dpr' ? 'bert' : undefined);
  if (typeof kind !== 'string') throw new InputError(`${file}: no encoder kind (expected "kind" or a Hugging Face "model_type": "bert" or "dpr")`);
  return kind;
}

/** Loads any saved encoder (or a Hugging Face BERT checkpoint folder), dispatching on its kind. */
export async function loadEncoder(dir: string): Promise<Encoder> {
  const kind = savedEncoderKind(dir);
  const loader = loaders.get(kind);
  if (!loader) throw new InputError(`${path.join(dir, 'config.json')}: unknown encoder kind '${kind}'; expected one of ${[...loaders.keys()].join(', ')}`);
  return loader(dir);
}
export * from './truncation';
