/**
 * Hugging Face checkpoint import for the BERT encoder: reads `config.json`, `model.safetensors` (with
 * or without `bert.` / DPR prefixes) and `vocab.txt`, checks every tensor's name and shape, and
 * builds a BertEncoder. Saving (in the same layout) is BertEncoder.save.
 */
import * as fs from 'fs';
import * as path from 'path';
import { tf } from '../tensor';
import { openSafetensors } from './safetensors';
import { Vocab, bertBaseUncasedVocab, readVocabTxt } from '../text/vocab';
import { InputError } from '../util/errors';
import { sha256File } from '../util/hash';
import { readTextFile } from '../util/lines';
import { BertEncoder, type BertEncoderConfig, type BertPooling, DEFAULT_BERT_CONFIG, checkBertConfig, bertWeightShapes, isLinearWeight, transpose2d } from './bert';

export interface LoadBertOptions {
  /** Overrides for the pooling / normalisation / tokenizer settings (HF checkpoints carry none). */
  pooling?: BertPooling;
  normalize?: boolean;
  maxLength?: number;
  lowerCase?: boolean;
  /** A vocabulary to use when the folder has no vocab.txt. */
  vocab?: Vocab;
  /** Tensor-name prefix (e.g. 'bert.', 'question_encoder.bert_model.'); detected when omitted. */
  prefix?: string;
  /** Dropout seed. */
  seed?: number;
}

function hfField(cfg: Record<string, unknown>, key: string, file: string, fallback?: unknown): any {
  const v = cfg[key] ?? fallback;
  if (v === undefined) throw new InputError(`${file}: missing field '${key}'; expected a Hugging Face BertConfig`);
  return v;
}

/**
 * Loads a BERT encoder from a folder in Hugging Face layout: `config.json` (BertConfig fields) +
 * `model.safetensors` (BERT tensor names, with or without a prefix such as `bert.`) + `vocab.txt`
 * (else `opts.vocab`, else bert-base-uncased when vocab_size is 30522). Folders written by
 * `BertEncoder.save` carry their pooling/normalisation settings; HF checkpoints default to mean
 * pooling (Contriever, MiniLM), and to CLS pooling when model_type is `dpr` (DPRQuestionEncoder /
 * DPRContextEncoder folders, tensors prefixed `question_encoder.bert_model.`). Missing or mis-shaped tensors are
 * InputErrors that name the tensor and the expected shape.
 */
export async function loadBertEncoder(dir: string, opts: LoadBertOptions = {}): Promise<BertEncoder> {
  const cfgFile = path.join(dir, 'config.json');
  if (!fs.existsSync(cfgFile)) throw new InputError(`${dir}: no config.json; expected a Hugging Face BERT folder (config.json + model.safetensors)`);
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(readTextFile(cfgFile));
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`${cfgFile}: not valid JSON (${(e as Error).message})`);
  }
  const mt = raw.model_type;
  if (mt !== undefined && mt !== 'bert' && mt !== 'dpr') {
    throw new InputError(`${cfgFile}: model_type '${mt}' is not supported; expected a BERT-family checkpoint (model_type bert)`);
  }
  if (mt === 'dpr' && Number(raw.projection_dim ?? 0) > 0) {
    throw new InputError(`${cfgFile}: DPR projection_dim ${raw.projection_dim} (an extra projection layer) is not supported; expected 0`);
  }
  const posType = raw.position_embedding_type ?? 'absolute';
  if (posType !== 'absolute') throw new InputError(`${cfgFile}: position_embedding_type '${posType}' unsupported; expected absolute`);
  const fc = (raw.freshcache ?? {}) as Record<string, any>;
  let lowerCase = opts.lowerCase ?? fc.lowerCase;
  if (lowerCase === undefined) {
    const tokCfg = path.join(dir, 'tokenizer_config.json');
    if (fs.existsSync(tokCfg)) {
      try {
        lowerCase = JSON.parse(fs.readFileSync(tokCfg, 'utf8')).do_lower_case;
      } catch {
        /* ignore: fall back to uncased */
      }
    }
  }
  const maxPositions = hfField(raw, 'max_position_embeddings', cfgFile);
  const cfg: BertEncoderConfig = {
    kind: 'bert',
    vocabSize: hfField(raw, 'vocab_size', cfgFile),
    hiddenSize: hfField(raw, 'hidden_size', cfgFile),
    numLayers: hfField(raw, 'num_hidden_layers', cfgFile),
    numHeads: hfField(raw, 'num_attention_heads', cfgFile),
    intermediateSize: hfField(raw, 'intermediate_size', cfgFile),
    maxPositions,
    typeVocabSize: hfField(raw, 'type_vocab_size', cfgFile, 2),
    layerNormEps: hfField(raw, 'layer_norm_eps', cfgFile, 1e-12),
    hiddenAct: hfField(raw, 'hidden_act', cfgFile, 'gelu'),
    hiddenDropout: hfField(raw, 'hidden_dropout_prob', cfgFile, 0.1),
    attentionDropout: hfField(raw, 'attention_probs_dropout_prob', cfgFile, 0.1),
    pooling: opts.pooling ?? fc.pooling ?? (mt === 'dpr' ? 'cls' : 'mean'),
    normalize: opts.normalize ?? fc.normalize ?? false,
    maxLength: opts.maxLength ?? fc.maxLength ?? Math.min(DEFAULT_BERT_CONFIG.maxLength, maxPositions),
    lowerCase: lowerCase ?? true,
    seed: opts.seed ?? fc.seed ?? 0,
  };
  checkBertConfig(cfg, cfgFile);

  const vocabFile = path.join(dir, 'vocab.txt');
  let vocab: Vocab;
  if (fs.existsSync(vocabFile)) vocab = readVocabTxt(vocabFile);
  else if (opts.vocab) vocab = opts.vocab;
  else if (cfg.vocabSize === 30522) vocab = bertBaseUncasedVocab();
  else throw new InputError(`${dir}: no vocab.txt and vocab_size ${cfg.vocabSize} is not bert-base-uncased's 30522; add the checkpoint's vocab.txt`);
  if (fc.vocabSha256 && fc.vocabSha256 !== vocab.hash()) {
    throw new InputError(`${vocabFile}: vocabulary does not match the one this encoder was saved with (sha256 differs)`);
  }

  const weightsFile = path.join(dir, 'model.safetensors');
  if (!fs.existsSync(weightsFile)) {
    const hint = fs.existsSync(path.join(dir, 'pytorch_model.bin'))
      ? '; found pytorch_model.bin: convert it with `python -c "import torch,safetensors.torch as s; s.save_file(torch.load(\'pytorch_model.bin\'), \'model.safetensors\')"`'
      : '';
    throw new InputError(`${dir}: no model.safetensors${hint}`);
  }
  if (fc.weightsSha256 && fc.weightsSha256 !== (await sha256File(weightsFile))) {
    throw new InputError(`${weightsFile}: checksum differs from config.json's (an interrupted save?); save the encoder again`);
  }
  const st = openSafetensors(weightsFile);
  const weights = new Map<string, tf.Tensor>();
  try {
    const prefix = opts.prefix ?? detectPrefix([...st.entries.keys()], weightsFile);
    for (const [name, shape] of bertWeightShapes(cfg)) {
      const candidates = [prefix + name];
      if (name.includes('LayerNorm.')) candidates.push(prefix + name.replace(/\.weight$/, '.gamma').replace(/\.bias$/, '.beta'));
      const found = candidates.find((n) => st.entries.has(n));
      if (!found) {
        throw new InputError(`${weightsFile}: missing tensor '${prefix + name}' (expected shape [${shape}] for ${cfgFile})`);
      }
      const entry = st.entries.get(found)!;
      if (entry.shape.join() !== shape.join()) {
        throw new InputError(`${weightsFile}: tensor '${found}' has shape [${entry.shape}]; expected [${shape}] from ${cfgFile}`);
      }
      let ft = st.read(found);
      if (isLinearWeight(name)) ft = transpose2d(ft);
      weights.set(name, tf.tensor(ft.data, ft.shape, 'float32'));
    }
  } catch (e) {
    for (const t of weights.values()) t.dispose();
    throw e;
  } finally {
    st.close();
  }
  return new BertEncoder(cfg, weights, vocab);
}

/** Finds the prefix before `embeddings.word_embeddings.weight` ('', 'bert.', 'question_encoder.bert_model.', ...). */
function detectPrefix(names: string[], file: string): string {
  const key = 'embeddings.word_embeddings.weight';
  const hits = names.filter((n) => n === key || n.endsWith('.' + key)).map((n) => n.slice(0, n.length - key.length));
  if (hits.length === 0) throw new InputError(`${file}: no tensor '${key}' (with or without a prefix such as 'bert.'); not a BERT checkpoint?`);
  if (hits.length > 1) throw new InputError(`${file}: several BERT models in one file (prefixes ${hits.map((h) => `'${h}'`).join(', ')}); pass the prefix option`);
  return hits[0];
}

