#!/usr/bin/env python3
"""Tiny random models of seven architectures, with references from transformers and from llama.cpp.

Writes Tests/ModelsTests/Fixtures/architectures/<case>/ for the cases qwen2, qwen3, llama3, mistral, gemma2,
gemma3, phi3, phi3_longrope (see FORMAT.md there). For each case: train a small tokenizer on tinyshakespeare plus the Chinese
seed articles, build the transformers model (hidden 64, random weights, every parameter rounded to float16),
save it as a Hugging Face folder, convert that folder with llama.cpp's own convert_hf_to_gguf.py to F16 and Q8_0,
then record token ids, logits at every prompt position and greedy continuations from transformers (float32)
and from llama.cpp (through llama-cpp-python) on both GGUF files.

Needs:
  - a Python with torch, transformers 5, tokenizers, sentencepiece, protobuf, safetensors, numpy
    (~/.cache/glassbox-fixtures-venv) to run this script;
  - a second Python with llama-cpp-python 0.3.36 and numpy ($LLAMA_CPP_PYTHON, default
    ~/.cache/glassbox-llamacpp-venv/bin/python); this script re-runs itself there with --llamacpp-part;
  - the llama.cpp source of the same version ($LLAMA_CPP_SRC, default
    /tmp/lcp/llama_cpp_python-0.3.36/vendor/llama.cpp) for convert_hf_to_gguf.py, conversion/ and gguf-py/.
    The converter recognises a BPE pre-tokenizer by hashing the tokenizer's output; our tokenizers are freshly
    trained, so --convert replaces TextModel.get_vocab_base_pre by one that returns the family's name.

Run:  ~/.cache/glassbox-fixtures-venv/bin/python scripts/make-arch-fixtures.py [cases...]   (default: all)
Everything is seeded; a rerun writes the same files.
"""
import argparse
import copy
import glob
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT_ROOT = ROOT / "Tests/ModelsTests/Fixtures/architectures"
LCP_SRC = Path(os.environ.get("LLAMA_CPP_SRC", "/tmp/lcp/llama_cpp_python-0.3.36/vendor/llama.cpp"))
LCP_PYTHON = Path(os.environ.get("LLAMA_CPP_PYTHON", "~/.cache/glassbox-llamacpp-venv/bin/python")).expanduser()
SHAKESPEARE = Path("/work/shared/data/tinyshakespeare.txt")
SEEDS = sorted(glob.glob("/work/shared/seeds/*.txt"))

N_NEW = 16  # greedy continuation length
TOKENIZER_TEXTS = [
    "The quick brown fox jumps over the lazy dog. Shall I compare thee to a summer's day?",
    "随着人工智能技术的不断发展,人工智能生成模型(AIGC)已经成为了人工智能领域的重要研究方向之一。",
    "def greet(name):\n    if name:\n        return f\"Hello, {name}!\"\n\treturn None\n",
    "I love 🦙 and 👩‍💻 and 🇯🇵 and 😀!",
    "  two leading spaces\tand\ttabs\n\n\nthree newlines   trailing   ",
    "12345 3.14159 and 2024-01-01",
    "I'M don't WE'LL you're THEY'VE she'd",
    "Hello世界123",
]
PROMPTS = [
    "First Citizen: We are",
    "人工智能模型",
    "def f(x):\n    return",
]
CHAT = [
    {"role": "system", "content": "You are a helpful assistant."},
    {"role": "user", "content": "Hello! Who are you?"},
    {"role": "assistant", "content": "I am a tiny model."},
    {"role": "user", "content": "Tell me a story."},
]

QWEN_REGEX = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*"
              r"|\s*[\r\n]+|\s+(?!\S)|\s+")
LLAMA3_REGEX = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*"
                r"|\s*[\r\n]+|\s+(?!\S)|\s+")

SP_LEADING_SPACE = ("text starting with a space: transformers 5's LlamaTokenizer (Metaspace pre-tokenizer) adds the "
                    "dummy-prefix '\u2581' only when the text does not already start with one, while sentencepiece and "
                    "llama.cpp always add it, so they have one more '\u2581' token; llama.cpp equals sentencepiece")
SP_AFTER_SPECIAL = ("chat: llama.cpp (SPM vocab, add_space_prefix) adds the dummy-prefix '\u2581' again after every "
                    "special token when parsing specials; transformers 5 with legacy=false adds it only at the start")

# Chat templates (our own renditions of each family's format).
CHATML_TEMPLATE = (
    "{%- for message in messages -%}"
    "{%- if loop.first and message['role'] != 'system' -%}"
    "{{- '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' -}}"
    "{%- endif -%}"
    "{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' -}}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}{{- '<|im_start|>assistant\\n' -}}{%- endif -%}")
LLAMA3_TEMPLATE = (
    "{{- bos_token -}}"
    "{%- for message in messages -%}"
    "{{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' + message['content'] | trim"
    " + '<|eot_id|>' -}}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}{{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' -}}{%- endif -%}")
MISTRAL_TEMPLATE = (
    "{{- bos_token -}}"
    "{%- for message in messages -%}"
    "{%- if message['role'] == 'user' -%}{{- '[INST] ' + message['content'] + ' [/INST]' -}}"
    "{%- elif message['role'] == 'assistant' -%}{{- message['content'] + eos_token -}}"
    "{%- else -%}{{- raise_exception('Only user and assistant roles are supported') -}}{%- endif -%}"
    "{%- endfor -%}")
GEMMA2_TEMPLATE = (
    "{{- bos_token -}}"
    "{%- for message in messages -%}"
    "{%- if message['role'] == 'system' -%}{{- raise_exception('System role not supported') -}}{%- endif -%}"
    "{%- set role = 'model' if message['role'] == 'assistant' else message['role'] -%}"
    "{{- '<start_of_turn>' + role + '\\n' + message['content'] | trim + '<end_of_turn>\\n' -}}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}{{- '<start_of_turn>model\\n' -}}{%- endif -%}")
GEMMA3_TEMPLATE = (
    "{{- bos_token -}}"
    "{%- if messages[0]['role'] == 'system' -%}"
    "{%- set first = messages[0]['content'] + '\\n\\n' -%}{%- set rest = messages[1:] -%}"
    "{%- else -%}{%- set first = '' -%}{%- set rest = messages -%}{%- endif -%}"
    "{%- for message in rest -%}"
    "{%- set role = 'model' if message['role'] == 'assistant' else message['role'] -%}"
    "{{- '<start_of_turn>' + role + '\\n' + (first if loop.first else '') + message['content'] | trim"
    " + '<end_of_turn>\\n' -}}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}{{- '<start_of_turn>model\\n' -}}{%- endif -%}")
PHI3_TEMPLATE = (
    "{%- for message in messages -%}"
    "{{- '<|' + message['role'] + '|>\\n' + message['content'] + '<|end|>\\n' -}}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}{{- '<|assistant|>\\n' -}}{%- else -%}{{- eos_token -}}{%- endif -%}")

# Per case: tokenizer, transformers config, how the random weights are drawn, what the converter needs.
#   init: emb (embedding std), head (untied lm_head std), gain (× 1/sqrt(fan_in) for linear weights),
#         qk_gain (extra factor on q/k projections), bias (bias std), norm_offset (gemma: stored w, scale 1+w),
#         norms {substring: mean} for norms that should not sit at 1.
CASES = {
    "qwen2": dict(
        model="Qwen2ForCausalLM", tokenizer="bpe", regex=QWEN_REGEX, pre="qwen2", vocab=640,
        specials=["<|endoftext|>", "<|im_start|>", "<|im_end|>"], template=CHATML_TEMPLATE,
        config=dict(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
                    num_key_value_heads=2, tie_word_embeddings=True, max_position_embeddings=256,
                    rms_norm_eps=1e-6, rope_parameters={"rope_type": "default", "rope_theta": 1000000.0}),
        init=dict(emb=0.5, gain=1.0, out_gain=3.0, bias=0.5),
        notes=["q/k/v projections have random non-zero biases (Qwen2 native)",
               "GQA: 4 query heads, 2 KV heads, head_dim 16", "tied embeddings (no output.weight in GGUF)",
               "rope_theta 1e6, NEOX-style rotation (rotate_half)", "norm weights random around 1",
               "tokenizer: byte-level BPE, NFC normalizer, Qwen2 split regex, GGUF pre-tokenizer 'qwen2', no BOS"]),
    "qwen3": dict(
        model="Qwen3ForCausalLM", tokenizer="bpe", regex=QWEN_REGEX, pre="qwen2", vocab=640,
        specials=["<|endoftext|>", "<|im_start|>", "<|im_end|>"], template=CHATML_TEMPLATE,
        config=dict(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
                    num_key_value_heads=2, head_dim=32, tie_word_embeddings=True, max_position_embeddings=256,
                    rms_norm_eps=1e-6, rope_parameters={"rope_type": "default", "rope_theta": 1000000.0}),
        init=dict(emb=0.5, gain=1.0, out_gain=3.0),
        notes=["per-head RMSNorm on q and k (q_norm/k_norm, weights random around 1) before RoPE",
               "head_dim 32 explicit: 4 heads x 32 = 128 != hidden 64; GQA 4/2", "tied embeddings",
               "rope_theta 1e6, NEOX-style rotation", "no attention biases",
               "tokenizer as qwen2 (GGUF pre-tokenizer 'qwen2'), no BOS"]),
    "llama3": dict(
        model="LlamaForCausalLM", tokenizer="bpe", regex=LLAMA3_REGEX, pre="llama-bpe", vocab=640,
        specials=["<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>", "<|end_header_id|>",
                  "<|eot_id|>"], template=LLAMA3_TEMPLATE,
        config=dict(hidden_size=64, intermediate_size=192, num_hidden_layers=2, num_attention_heads=4,
                    num_key_value_heads=2, tie_word_embeddings=False, max_position_embeddings=256,
                    rms_norm_eps=1e-5,
                    rope_parameters={"rope_type": "llama3", "rope_theta": 500000.0, "factor": 8.0,
                                     "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                                     "original_max_position_embeddings": 64}),
        init=dict(emb=0.5, head=0.5, gain=1.0),
        notes=["llama3 RoPE scaling (factor 8, low 1, high 4, original_max_position_embeddings 64): the converter"
               " writes the per-frequency divisors as the rope_freqs.weight tensor",
               "GQA 4/2, head_dim 16, untied lm_head (output.weight)",
               "Q/K weights permuted by the converter (llama.cpp rotates adjacent pairs, NORM rope)",
               "BOS <|begin_of_text|> added to every text (TemplateProcessing post-processor)",
               "tokenizer: byte-level BPE, Llama 3 split regex (digits in groups of 1-3), GGUF pre 'llama-bpe'"]),
    "mistral": dict(
        model="MistralForCausalLM", tokenizer="sp", sp_style="llama", legacy=True, vocab=640,
        explain=[SP_LEADING_SPACE], template=MISTRAL_TEMPLATE,
        config=dict(hidden_size=64, intermediate_size=160, num_hidden_layers=2, num_attention_heads=4,
                    num_key_value_heads=2, head_dim=16, tie_word_embeddings=False, max_position_embeddings=256,
                    rms_norm_eps=1e-5, sliding_window=None,
                    rope_parameters={"rope_type": "default", "rope_theta": 1000000.0}),
        init=dict(emb=0.5, head=0.5, gain=1.0),
        notes=["converted to GGUF architecture 'llama' (Q/K permuted, NORM rope)",
               "GQA 4/2, untied lm_head, sliding_window None, rope_theta 1e6",
               "tokenizer: SentencePiece BPE with byte fallback and dummy prefix, <unk>=0 <s>=1 </s>=2, add_bos"]),
    "gemma2": dict(
        model="Gemma2ForCausalLM", tokenizer="sp", sp_style="gemma", vocab=640, template=GEMMA2_TEMPLATE,
        config=dict(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
                    num_key_value_heads=2, head_dim=32, query_pre_attn_scalar=32, tie_word_embeddings=True,
                    max_position_embeddings=256, rms_norm_eps=1e-6, hidden_activation="gelu_pytorch_tanh",
                    attn_logit_softcapping=50.0, final_logit_softcapping=30.0, sliding_window=4,
                    layer_types=["sliding_attention", "full_attention"],
                    rope_parameters={"rope_type": "default", "rope_theta": 10000.0}),
        init=dict(emb=0.5, gain=1.0, qk_gain=4.0, norm_offset=True,
                  norms={"post_attention_layernorm": 2.0, "post_feedforward_layernorm": 2.0, "model.norm.": 1.0}),
        ablate={"attn_logit_softcapping": {"attn_logit_softcapping": None},
                "final_logit_softcapping": {"final_logit_softcapping": None},
                "sliding_window": {"sliding_window": 4096}},
        notes=["embeddings scaled by sqrt(hidden)=8; tied embeddings",
               "RMSNorm scale is (1 + w): the converter stores w + 1 in GGUF",
               "four norms per layer (attn_norm, post_attention_norm, ffn_norm, post_ffw_norm), all random",
               "attention logit softcapping 50 and final logit softcapping 30, both active (see effects)",
               "sliding window 4: layer 0 sliding, layer 1 global (llama.cpp's fixed gemma2 pattern: even layers slide)",
               "head_dim 32 explicit (4 x 32 = 128 != 64), GQA 4/2, gelu_pytorch_tanh MLP",
               "query_pre_attn_scalar = head_dim (32): llama.cpp ignores query_pre_attn_scalar and scales by "
               "1/sqrt(head_dim) (1/sqrt(n_embd/n_head) only when the layer count says 27B), so a different value "
               "would make the two references disagree",
               "tokenizer: SentencePiece BPE, byte fallback, NO dummy prefix, <pad>=0 <eos>=1 <bos>=2 <unk>=3, "
               "<start_of_turn>/<end_of_turn>, add_bos"]),
    "gemma3": dict(
        model="Gemma3ForCausalLM", tokenizer="sp", sp_style="gemma", vocab=512, template=GEMMA3_TEMPLATE,
        config=dict(hidden_size=64, intermediate_size=64, num_hidden_layers=6, num_attention_heads=4,
                    num_key_value_heads=1, head_dim=24, query_pre_attn_scalar=24, tie_word_embeddings=True,
                    max_position_embeddings=256, rms_norm_eps=1e-6, hidden_activation="gelu_pytorch_tanh",
                    sliding_window=4, layer_types=["sliding_attention"] * 5 + ["full_attention"],
                    rope_parameters={"full_attention": {"rope_type": "default", "rope_theta": 1000000.0},
                                     "sliding_attention": {"rope_type": "default", "rope_theta": 10000.0}}),
        init=dict(emb=0.5, gain=1.5, qk_gain=1.0, norm_offset=True,
                  norms={"post_attention_layernorm": 2.0, "post_feedforward_layernorm": 2.0, "model.norm.": 1.0}),
        ablate={"sliding_window": {"sliding_window": 4096},
                "rope_local_base_freq": {"rope_parameters": {
                    "full_attention": {"rope_type": "default", "rope_theta": 1000000.0},
                    "sliding_attention": {"rope_type": "default", "rope_theta": 1000000.0}}}},
        notes=["q_norm/k_norm per head (scale 1 + w, random), embeddings scaled by sqrt(hidden), tied",
               "six layers: llama.cpp has no per-layer pattern key from this converter and assumes 5 sliding"
               " + 1 global (pattern 6), so layers 0-4 slide (window 4) and layer 5 is global",
               "rope_theta 1e6 for global layers, 10000 for sliding layers (GGUF rope.freq_base_swa)",
               "4 heads x head_dim 24 = 96 != hidden 64, 1 KV head (GQA 4/1, as Gemma 3 1B)",
               "query_pre_attn_scalar = head_dim for the same reason as gemma2; no softcapping (Gemma 3)",
               "tokenizer as gemma2"]),
    "phi3": dict(
        model="Phi3ForCausalLM", tokenizer="sp", sp_style="llama", legacy=False, vocab=640,
        explain=[SP_LEADING_SPACE, SP_AFTER_SPECIAL], template=PHI3_TEMPLATE,
        added=["<|endoftext|>", "<|assistant|>", "<|system|>", "<|end|>", "<|user|>"],
        config=dict(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
                    num_key_value_heads=2, tie_word_embeddings=False, max_position_embeddings=4096,
                    original_max_position_embeddings=4096, rms_norm_eps=1e-5, sliding_window=None,
                    rope_parameters={"rope_type": "default", "rope_theta": 10000.0, "partial_rotary_factor": 1.0}),
        init=dict(emb=0.5, head=0.5, gain=1.0),
        notes=["fused qkv_proj (rows: q, then k, then v) and fused gate_up_proj (rows: gate, then up), kept fused"
               " in GGUF as attn_qkv and ffn_up (2 x n_ff rows)",
               "GQA 4/2, untied lm_head, no rope scaling (4k), NEOX rope, sliding_window None (GGUF 0)",
               "tokenizer: SentencePiece BPE like llama + added specials <|endoftext|> <|assistant|> <|system|>"
               " <|end|> <|user|>, add_bos"]),
}
# Phi-3's 128k models (and Phi-3.5): LongRoPE. Each rotary frequency is divided by its own factor (the short ones up to
# the original context; llama.cpp's reference runs at n_ctx 256 = that context, so both use the short ones) and cos/sin
# are scaled by sqrt(1 + ln(max / original) / ln(original)).
CASES["phi3_longrope"] = dict(
    CASES["phi3"],
    config=dict(CASES["phi3"]["config"], max_position_embeddings=1024, original_max_position_embeddings=256,
                rope_parameters={"rope_type": "longrope", "rope_theta": 10000.0, "partial_rotary_factor": 1.0,
                                 "original_max_position_embeddings": 256,
                                 "short_factor": [1.0, 1.3, 1.7, 2.2, 2.9, 3.6, 4.4, 5.0],
                                 "long_factor": [2.0, 3.0, 5.0, 8.0, 12.0, 18.0, 25.0, 30.0]}),
    ablate={"longrope": {"rope_parameters": {"rope_type": "default", "rope_theta": 10000.0, "partial_rotary_factor": 1.0}},
            "attention_factor": {"rope_parameters": {
                "rope_type": "longrope", "rope_theta": 10000.0, "partial_rotary_factor": 1.0, "attention_factor": 1.0,
                "original_max_position_embeddings": 256, "short_factor": [1.0, 1.3, 1.7, 2.2, 2.9, 3.6, 4.4, 5.0],
                "long_factor": [2.0, 3.0, 5.0, 8.0, 12.0, 18.0, 25.0, 30.0]}}},
    notes=["phi3 with LongRoPE: max_position_embeddings 1024 over an original 256 (factor 4, attention factor"
           " sqrt(1 + ln 4 / ln 256) = 1.118), short and long factors per rotary pair (8 of each, head size 16)",
           "every prompt is within the original context: transformers (seq_len <= 256) and llama.cpp (n_ctx 256)"
           " both use the short factors",
           "otherwise as phi3: fused qkv and gate_up, GQA 4/2, untied lm_head, NEOX rope, SentencePiece tokenizer"])
DEFAULT_ORDER = ["qwen2", "qwen3", "llama3", "mistral", "gemma2", "gemma3", "phi3", "phi3_longrope"]


# ----------------------------------------------------------------------------------------------- helpers
def log(*a):
    print(*a, flush=True)


def corpus_chunks():
    """Training text: the first 300k characters of tinyshakespeare and every seed article (twice), in ~2k chunks."""
    text = SHAKESPEARE.read_text(encoding="utf-8")[:300_000]
    zh = "\n".join(Path(p).read_text(encoding="utf-8") for p in SEEDS)
    chunks = [text[i:i + 2000] for i in range(0, len(text), 2000)]
    chunks += [zh[i:i + 2000] for i in range(0, len(zh), 2000)] * 2
    return chunks


def write_json(path, obj):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, ensure_ascii=False, indent=1)
        f.write("\n")


# ------------------------------------------------------------------------------------------- tokenizers
def build_bpe_tokenizer(spec, hf_dir):
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
    from tokenizers import trainers
    specials = spec["specials"]
    tok = Tokenizer(models.BPE())
    if spec["pre"] == "qwen2":
        tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(spec["regex"]), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=spec["vocab"] - len(specials), show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), special_tokens=[])
    tok.train_from_iterator(corpus_chunks(), trainer)
    assert tok.get_vocab_size() == spec["vocab"] - len(specials), tok.get_vocab_size()
    tok.add_special_tokens([AddedToken(s, special=True, normalized=False) for s in specials])
    ids = {s: tok.token_to_id(s) for s in specials}
    if spec["pre"] == "llama-bpe":
        bos = "<|begin_of_text|>"
        tok.post_processor = processors.Sequence([
            processors.ByteLevel(trim_offsets=False),
            processors.TemplateProcessing(single=f"{bos} $A", pair=f"{bos} $A {bos} $B",
                                          special_tokens=[(bos, ids[bos])])])
    else:
        tok.post_processor = processors.ByteLevel(trim_offsets=False)
    tok.save(str(hf_dir / "tokenizer.json"))
    added = {str(ids[s]): {"content": s, "lstrip": False, "normalized": False, "rstrip": False,
                           "single_word": False, "special": True} for s in specials}
    if spec["pre"] == "qwen2":
        cfg = {"tokenizer_class": "Qwen2Tokenizer", "bos_token": None, "eos_token": "<|im_end|>",
               "pad_token": "<|endoftext|>", "unk_token": None, "add_prefix_space": False, "errors": "replace",
               "split_special_tokens": False}
        token_ids = dict(bos_token_id=None, eos_token_id=ids["<|im_end|>"], pad_token_id=ids["<|endoftext|>"])
    else:
        cfg = {"tokenizer_class": "PreTrainedTokenizerFast", "bos_token": "<|begin_of_text|>",
               "eos_token": "<|eot_id|>"}
        token_ids = dict(bos_token_id=ids["<|begin_of_text|>"],
                         eos_token_id=[ids["<|end_of_text|>"], ids["<|eot_id|>"]], pad_token_id=None)
    cfg.update({"added_tokens_decoder": added, "chat_template": spec["template"], "clean_up_tokenization_spaces": False,
                "model_max_length": 256})
    write_json(hf_dir / "tokenizer_config.json", cfg)
    return token_ids


def build_sp_tokenizer(spec, hf_dir, work):
    import sentencepiece as spm
    from tokenizers import AddedToken
    from transformers import AutoTokenizer
    gemma = spec["sp_style"] == "gemma"
    added = spec.get("added", [])
    lines = [line for chunk in corpus_chunks() for line in chunk.split("\n") if line.strip()]
    common = dict(model_type="bpe", vocab_size=spec["vocab"] - len(added), byte_fallback=True,
                  remove_extra_whitespaces=False, normalization_rule_name="identity", num_threads=1,
                  character_coverage=spec.get("coverage", 0.98), split_digits=True, allow_whitespace_only_pieces=True,
                  max_sentence_length=100000, minloglevel=2, model_prefix="sp")
    cwd = os.getcwd()
    os.chdir(work)  # the model file records model_prefix: keep it free of the temporary path
    if gemma:
        spm.SentencePieceTrainer.train(sentence_iterator=iter(lines), add_dummy_prefix=False,
                                       pad_id=0, eos_id=1, bos_id=2, unk_id=3, pad_piece="<pad>", eos_piece="<eos>",
                                       bos_piece="<bos>", unk_piece="<unk>", control_symbols=["<mask>"],
                                       user_defined_symbols=["<start_of_turn>", "<end_of_turn>"], **common)
        tcfg = {"tokenizer_class": "GemmaTokenizer", "bos_token": "<bos>", "eos_token": "<eos>", "pad_token": "<pad>",
                "unk_token": "<unk>", "mask_token": "<mask>"}
    else:
        spm.SentencePieceTrainer.train(sentence_iterator=iter(lines), add_dummy_prefix=True,
                                       unk_id=0, bos_id=1, eos_id=2, pad_id=-1, **common)
        tcfg = {"tokenizer_class": "LlamaTokenizer", "bos_token": "<s>",
                "eos_token": "<|endoftext|>" if added else "</s>", "unk_token": "<unk>",
                "legacy": spec["legacy"]}
    os.chdir(cwd)
    shutil.copy(work / "sp.model", hf_dir / "tokenizer.model")
    tcfg.update({"add_bos_token": True, "add_eos_token": False})
    write_json(hf_dir / "tokenizer_config.json", tcfg)
    # Let transformers build its tokenizers-backend tokenizer from tokenizer.model and write tokenizer.json.
    tok = AutoTokenizer.from_pretrained(str(hf_dir))
    # added: new special tokens after the SentencePiece vocabulary (phi3); gemma's turn markers are already
    # pieces of the model (user-defined) and are only marked special here, as in Gemma's own files
    marks = added + (["<start_of_turn>", "<end_of_turn>"] if gemma else [])
    if marks:
        tok.add_tokens([AddedToken(s, special=True, normalized=False) for s in marks], special_tokens=True)
    save = work / "saved"
    tok.save_pretrained(str(save))
    shutil.copy(save / "tokenizer.json", hf_dir / "tokenizer.json")
    saved_cfg = json.loads((save / "tokenizer_config.json").read_text(encoding="utf-8"))
    for key in ("is_local", "local_files_only", "backend", "vocab_file"):
        saved_cfg.pop(key, None)
    saved_cfg.update(tcfg)
    saved_cfg["chat_template"] = spec["template"]
    saved_cfg["model_max_length"] = 256
    if "added_tokens_decoder" not in saved_cfg:
        saved_cfg["added_tokens_decoder"] = {
            str(i): {"content": t.content, "lstrip": t.lstrip, "normalized": t.normalized, "rstrip": t.rstrip,
                     "single_word": t.single_word, "special": t.special}
            for i, t in sorted(tok.added_tokens_decoder.items())}
    write_json(hf_dir / "tokenizer_config.json", saved_cfg)
    vocab = dict(tok.get_vocab())
    if gemma:
        token_ids = dict(bos_token_id=vocab["<bos>"], eos_token_id=[vocab["<eos>"], vocab["<end_of_turn>"]],
                         pad_token_id=vocab["<pad>"])
    elif added:
        token_ids = dict(bos_token_id=vocab["<s>"], eos_token_id=[vocab["<|endoftext|>"], vocab["<|end|>"]],
                         pad_token_id=vocab["<|endoftext|>"])
    else:
        token_ids = dict(bos_token_id=vocab["<s>"], eos_token_id=vocab["</s>"], pad_token_id=None)
    return token_ids


# ------------------------------------------------------------------------------------------------ model
def randomise(model, spec, seed):
    import torch
    init = spec["init"]
    g = torch.Generator().manual_seed(seed)
    tied = model.config.tie_word_embeddings
    with torch.no_grad():
        for name, p in model.named_parameters():
            r = torch.randn(p.shape, generator=g)
            if "norm" in name:
                mean = 0.0 if init.get("norm_offset") else 1.0
                for key, m in init.get("norms", {}).items():
                    if key in name:
                        mean = m
                p.copy_(mean + 0.1 * r)
            elif name.endswith(".bias"):
                p.copy_(init.get("bias", 0.1) * r)
            elif "embed_tokens" in name:
                p.copy_(init["emb"] * r)
            elif name.startswith("lm_head") and not tied:
                p.copy_(init["head"] * r)
            else:
                std = init["gain"] / math.sqrt(p.shape[1])
                if any(k in name for k in ("q_proj", "k_proj")):
                    std *= init.get("qk_gain", 1.0)
                if any(k in name for k in ("o_proj", "down_proj")):
                    std *= init.get("out_gain", 1.0)
                if "qkv_proj" in name:  # phi3: rows q | k | v
                    cfg = model.config
                    hd = cfg.hidden_size // cfg.num_attention_heads
                    nq = cfg.num_attention_heads * hd
                    nk = cfg.num_key_value_heads * hd
                    r[:nq + nk] *= init.get("qk_gain", 1.0)
                p.copy_(std * r)
    model.half().float()


def build_config(spec, token_ids, vocab_size):
    import transformers
    cls = getattr(transformers, spec["model"])
    cfg_cls = cls.config_class
    kw = dict(spec["config"])
    kw.update(token_ids)
    kw["vocab_size"] = vocab_size
    cfg = cfg_cls(**kw)
    cfg._attn_implementation = "eager"
    return cls, cfg


def rope_factors(model):
    """llama3 rope: HF inv_freq versus the unscaled one; returns divisors and the three-kind check."""
    import torch
    cfg = model.config
    rp = cfg.rope_parameters
    hd = getattr(cfg, "head_dim", None) or cfg.hidden_size // cfg.num_attention_heads
    base = 1.0 / (rp["rope_theta"] ** (torch.arange(0, hd, 2, dtype=torch.int64).float() / hd))
    scaled = model.model.rotary_emb.inv_freq.float()
    f = (base / scaled).tolist()
    kinds = {"1": sum(abs(x - 1) < 1e-4 for x in f), "factor": sum(abs(x - rp["factor"]) < 1e-3 for x in f)}
    kinds["between"] = len(f) - kinds["1"] - kinds["factor"]
    return [round(x, 6) for x in f], kinds


# ------------------------------------------------------------------------------------------------ gguf
def gguf_module():
    sys.path.insert(0, str(LCP_SRC / "gguf-py"))
    import gguf
    return gguf


def gguf_summary(path):
    gguf = gguf_module()
    r = gguf.GGUFReader(str(path))
    meta = {}
    for key, field in r.fields.items():
        if key.startswith("GGUF."):
            continue
        v = field.contents()
        if isinstance(v, list) and len(v) > 16:
            v = f"[{len(v)} x {gguf.GGUFValueType(field.types[-1]).name}]"
        meta[key] = v
    tensors = [{"name": t.name, "type": t.tensor_type.name, "shape": [int(x) for x in t.shape]} for t in r.tensors]
    return meta, tensors, r


def convert(hf_dir, out, outtype, pre):
    cmd = [sys.executable, str(Path(__file__).resolve()), "--convert", str(hf_dir), str(out), outtype, pre or ""]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.stderr.write(p.stdout + p.stderr)
        raise SystemExit(f"converter failed for {hf_dir} ({outtype})")
    return p.stderr


def convert_main(hf_dir, out, outtype, pre):
    """Runs inside a subprocess: llama.cpp's converter with its own gguf-py, pre-tokenizer name forced."""
    sys.path.insert(0, str(LCP_SRC / "gguf-py"))
    sys.path.insert(0, str(LCP_SRC))
    import conversion.base as base
    if pre:
        base.TextModel.get_vocab_base_pre = lambda self, tokenizer: pre
    import convert_hf_to_gguf
    sys.argv = ["convert_hf_to_gguf.py", hf_dir, "--outfile", out, "--outtype", outtype]
    convert_hf_to_gguf.main()


# -------------------------------------------------------------------------------------------- llama.cpp
def llamacpp_main(job_path):
    """Runs under the llama-cpp-python interpreter: token ids, logits at every position, greedy continuations."""
    import numpy as np
    import llama_cpp
    job = json.loads(Path(job_path).read_text(encoding="utf-8"))
    out_dir = Path(job["out_dir"])
    res = {}
    vocab = llama_cpp.Llama(model_path=job["f16"], vocab_only=True, verbose=False)
    res["tokenizer"] = [vocab.tokenize(t.encode("utf-8"), add_bos=job["add_bos"], special=False) for t in job["texts"]]
    res["chat_ids"] = vocab.tokenize(job["chat"].encode("utf-8"), add_bos=False, special=True)
    del vocab
    eos = set(job["eos"])
    for tag in ("f16", "q8_0", "f32"):
        # KV cache in float32 (type 0), so that the cache adds no rounding of its own
        llm = llama_cpp.Llama(model_path=job[tag], n_ctx=256, n_batch=256, n_ubatch=256, n_threads=1,
                              n_threads_batch=1, logits_all=True, swa_full=True, type_k=0, type_v=0,
                              verbose=False, seed=0)
        res[tag] = []
        for k, ids in enumerate(job["prompts"]):
            llm.reset()
            llm.eval(ids)
            logits = np.array(llm.scores[:len(ids)], dtype=np.float32)
            np.save(out_dir / f"prompt{k}.{tag}.npy", logits)
            new = []
            nxt = int(np.argmax(llm.scores[len(ids) - 1]))
            for _ in range(job["n_new"]):
                new.append(nxt)
                if nxt in eos or len(new) == job["n_new"]:
                    break
                llm.eval([nxt])
                nxt = int(np.argmax(llm.scores[llm.n_tokens - 1]))
            res[tag].append(new)
        del llm
    Path(job["result"]).write_text(json.dumps(res), encoding="utf-8")


# ---------------------------------------------------------------------------------------------- one case
def hf_greedy(model, ids, eos):
    import torch
    seq, new, margins = list(ids), [], []
    with torch.no_grad():
        for _ in range(N_NEW):
            last = model(torch.tensor([seq])).logits[0, -1]
            nxt = int(torch.argmax(last))
            top2 = torch.topk(last, 2).values
            margins.append(round(float(top2[0] - top2[1]), 5))
            new.append(nxt)
            seq.append(nxt)
            if nxt in eos:
                break
    return new, margins


def hf_logits(model, ids):
    import torch
    with torch.no_grad():
        return model(torch.tensor([ids])).logits[0].float().numpy()


def ablation_model(cls, config, state, changes):
    """The same weights with a peculiarity switched off (config changes)."""
    cfg = copy.deepcopy(config)
    for k, v in changes.items():
        setattr(cfg, k, v)
    m = cls(cfg).eval()
    m.load_state_dict(state)
    return m


def run_case(name, work_root):
    import numpy as np
    import torch
    from safetensors.numpy import save_file
    from transformers import AutoModelForCausalLM, AutoTokenizer
    spec = CASES[name]
    work = work_root / name
    hf_dir = work / f"tiny-{name}"
    hf_dir.mkdir(parents=True)
    out = OUT_ROOT / name
    if out.exists():
        shutil.rmtree(out)
    (out / "hf").mkdir(parents=True)

    # tokenizer
    if spec["tokenizer"] == "bpe":
        token_ids = build_bpe_tokenizer(spec, hf_dir)
    else:
        token_ids = build_sp_tokenizer(spec, hf_dir, work)
    tok = AutoTokenizer.from_pretrained(str(hf_dir))
    vocab_size = len(tok)
    assert vocab_size == spec["vocab"], (vocab_size, spec["vocab"])

    # model: seeded init, our randomisation, float16 rounding, saved as float16
    cls, config = build_config(spec, token_ids, vocab_size)
    torch.manual_seed(0)
    model = cls(config).eval()
    randomise(model, spec, seed=0)
    # The converter gets float32 files: it adds 1 to gemma norm weights in the checkpoint's dtype, which in float16
    # would round (1 + w) to 2^-11. The fixture's hf/ folder holds the same (float16-exact) values in float16.
    model.save_pretrained(str(hf_dir))
    hf16 = work / "hf16"
    model.to(torch.float16).save_pretrained(str(hf16))
    model.float()
    ref = AutoModelForCausalLM.from_pretrained(str(hf_dir), dtype=torch.float32, attn_implementation="eager").eval()
    sd_a, sd_b = model.state_dict(), ref.state_dict()
    assert all(torch.equal(sd_a[k], sd_b[k]) for k in sd_a), "reloaded weights differ"
    model = ref
    config = model.config

    # GGUF
    f16, q8 = out / "model.f16.gguf", out / "model.q8_0.gguf"
    convert(hf_dir, f16, "f16", spec.get("pre"))
    convert(hf_dir, q8, "q8_0", spec.get("pre"))
    f32 = work / "model.f32.gguf"  # not kept: a check that the two references compute the same function
    convert(hf_dir, f32, "f32", spec.get("pre"))
    meta, tensors, reader = gguf_summary(f16)
    _, tensors_q8, _ = gguf_summary(q8)
    arch = meta["general.architecture"]
    add_bos = bool(meta.get("tokenizer.ggml.add_bos_token", False))

    # transformers references
    eos = config.eos_token_id if isinstance(config.eos_token_id, list) else [config.eos_token_id]
    eos = [e for e in eos if e is not None]
    tok_hf = [tok(t)["input_ids"] for t in TOKENIZER_TEXTS]
    prompt_ids = [tok(p)["input_ids"] for p in PROMPTS]
    conv = CHAT
    try:
        rendered = tok.apply_chat_template(conv, tokenize=False, add_generation_prompt=True)
    except Exception:  # template rejects a system message
        conv = CHAT[1:]
        rendered = tok.apply_chat_template(conv, tokenize=False, add_generation_prompt=True)
    chat_ids = tok.apply_chat_template(conv, tokenize=True, add_generation_prompt=True)
    if not isinstance(chat_ids, list):
        chat_ids = chat_ids["input_ids"]
    hf_out = [hf_logits(model, ids) for ids in prompt_ids]
    # float64 run of the same weights: how far float32 rounding alone moves the logits (the best tolerance to hope for)
    m64 = copy.deepcopy(model).double()
    hf_f64_diff = [float(np.max(np.abs(hf_logits(m64, ids) - o))) for ids, o in zip(prompt_ids, hf_out)]
    del m64
    hf_gen = [hf_greedy(model, ids, eos) for ids in prompt_ids]

    # llama.cpp references (other interpreter)
    job = dict(f16=str(f16), q8_0=str(q8), f32=str(f32), texts=TOKENIZER_TEXTS, add_bos=add_bos, prompts=prompt_ids, eos=eos,
               n_new=N_NEW, chat=rendered, out_dir=str(work), result=str(work / "llamacpp.json"))
    (work / "job.json").write_text(json.dumps(job), encoding="utf-8")
    p = subprocess.run([str(LCP_PYTHON), str(Path(__file__).resolve()), "--llamacpp-part", str(work / "job.json")],
                       capture_output=True, text=True)
    if p.returncode != 0:
        sys.stderr.write(p.stdout + p.stderr)
        raise SystemExit(f"llama.cpp part failed for {name}")
    lcp = json.loads((work / "llamacpp.json").read_text(encoding="utf-8"))

    # compare and write
    tensors_out, prompts_json = {}, []
    for k, ids in enumerate(prompt_ids):
        a = hf_out[k]
        entry = {"text": PROMPTS[k], "ids": ids, "transformers_f64_max_abs_diff": hf_f64_diff[k],
                 "transformers": {"greedy": hf_gen[k][0], "greedy_top2_margin": hf_gen[k][1]},
                 "logit_scale": float(np.max(np.abs(a)))}
        tensors_out[f"prompt{k}.transformers"] = a
        for tag in ("f16", "q8_0"):
            b = np.load(work / f"prompt{k}.{tag}.npy")
            assert b.shape == a.shape, (b.shape, a.shape)
            tensors_out[f"prompt{k}.llamacpp_{tag}"] = b
            entry[f"llamacpp_{tag}"] = {"greedy": lcp[tag][k], "max_abs_diff": float(np.max(np.abs(a - b))),
                                        "argmax_agree": int(np.sum(a.argmax(-1) == b.argmax(-1)))}
        b = np.load(work / f"prompt{k}.f32.npy")
        entry["llamacpp_f32_max_abs_diff"] = float(np.max(np.abs(a - b)))
        entry["llamacpp_f32_greedy_same"] = lcp["f32"][k] == hf_gen[k][0]
        prompts_json.append(entry)
    save_file({k: np.ascontiguousarray(v, dtype=np.float32) for k, v in tensors_out.items()},
              str(out / "logits.safetensors"))

    tok_json = []
    for t, hf_ids, lc_ids in zip(TOKENIZER_TEXTS, tok_hf, lcp["tokenizer"]):
        e = {"text": t, "hf_ids": hf_ids, "llamacpp_ids": lc_ids, "agree": hf_ids == lc_ids}
        if spec["tokenizer"] == "sp":
            import sentencepiece as spm
            sp = spm.SentencePieceProcessor(model_file=str(hf_dir / "tokenizer.model"))
            e["sentencepiece_ids"] = ([sp.bos_id()] if add_bos else []) + sp.encode(t)
        tok_json.append(e)

    notes = list(spec["notes"])
    effects = {}
    for label, changes in spec.get("ablate", {}).items():
        m2 = ablation_model(cls, config, model.state_dict(), changes)
        effects[label] = float(np.max(np.abs(hf_logits(m2, prompt_ids[0]) - hf_out[0])))
    extra = {}
    if config.rope_parameters.get("rope_type") == "llama3":
        factors, kinds = rope_factors(model)
        gg = [t for t in reader.tensors if t.name == "rope_freqs.weight"][0]
        gguf_factors = [float(x) for x in np.asarray(gg.data).reshape(-1)]
        assert np.allclose(gguf_factors, factors, rtol=1e-5), (gguf_factors, factors)
        assert min(kinds.values()) > 0, kinds
        extra["rope_factors"] = factors
        extra["rope_factor_kinds"] = kinds
        log(f"  llama3 rope divisors per frequency: {factors} ({kinds})")
        m2 = ablation_model(cls, config, model.state_dict(),
                            {"rope_parameters": {"rope_type": "default", "rope_theta": 500000.0}})
        effects["llama3_rope_scaling"] = float(np.max(np.abs(hf_logits(m2, prompt_ids[0]) - hf_out[0])))
    if effects:
        notes.append("effect of each peculiarity: max |logit change| on prompt 0 when transformers runs the same "
                     "weights with it switched off: " + ", ".join(f"{k} {v:.3g}" for k, v in effects.items()))
    disagree = [e["text"] for e in tok_json if not e["agree"]]
    chat_agree = list(chat_ids) == lcp["chat_ids"]
    if disagree or not chat_agree:
        notes.append(f"tokenizer: transformers and llama.cpp ids differ for {len(disagree)} of {len(tok_json)} texts"
                     + ("" if chat_agree else " and for the chat") + ": " + "; ".join(spec.get("explain", [])))
        if not spec.get("explain"):
            log(f"  WARNING {name}: unexplained tokenizer disagreement: {disagree} chat_agree={chat_agree}")

    reference = {
        "case": name, "architecture": arch, "transformers_class": spec["model"],
        "config": json.loads(config.to_json_string()), **extra, "notes": notes, "effects": effects,
        "eos_token_ids": eos, "llamacpp_add_bos": add_bos,
        "tokenizer": tok_json,
        "prompts": prompts_json,
        "chat": {"messages": conv, "rendered": rendered, "ids": list(chat_ids),
                 "llamacpp_ids_special": lcp["chat_ids"], "agree": chat_agree},
        "gguf_f16": {"metadata": meta, "tensors": tensors},
        "gguf_q8_0_tensor_types": {t["name"]: t["type"] for t in tensors_q8},
    }
    write_json(out / "reference.json", reference)
    for fname in ("config.json", "model.safetensors"):
        shutil.copy(hf16 / fname, out / "hf" / fname)
    for fname in ("tokenizer.json", "tokenizer_config.json", "tokenizer.model"):
        if (hf_dir / fname).exists():
            shutil.copy(hf_dir / fname, out / "hf" / fname)

    size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    d16 = max(p["llamacpp_f16"]["max_abs_diff"] for p in prompts_json)
    d8 = max(p["llamacpp_q8_0"]["max_abs_diff"] for p in prompts_json)
    scale = max(p["logit_scale"] for p in prompts_json)
    g16 = sum(p["llamacpp_f16"]["greedy"] == p["transformers"]["greedy"] for p in prompts_json)
    g8 = sum(p["llamacpp_q8_0"]["greedy"] == p["transformers"]["greedy"] for p in prompts_json)
    d32 = max(p["llamacpp_f32_max_abs_diff"] for p in prompts_json)
    n_agree = sum(e["agree"] for e in tok_json)
    chat_s = "chat agrees" if chat_agree else "chat differs"
    log(f"{name}: {size / 1e6:.2f} MB (f16 {f16.stat().st_size // 1024} KB, q8_0 {q8.stat().st_size // 1024} KB), "
        f"logit scale {scale:.3g}, max|diff| f16 {d16:.3g} ({d16 / scale:.2g} rel), q8_0 {d8:.3g} "
        f"({d8 / scale:.2g} rel), f32 check {d32:.2g}, greedy same f16 {g16}/3 q8_0 {g8}/3, tokenizer {n_agree}/{len(tok_json)} agree, {chat_s}"
        + (f", effects {effects}" if effects else ""))
    return reference


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("cases", nargs="*", help=f"cases to build (default: all of {' '.join(DEFAULT_ORDER)})")
    ap.add_argument("--convert", nargs=4, metavar=("HF_DIR", "OUT", "OUTTYPE", "PRE"), help=argparse.SUPPRESS)
    ap.add_argument("--llamacpp-part", metavar="JOB", help=argparse.SUPPRESS)
    ap.add_argument("--keep", action="store_true", help="keep the temporary work folder")
    args = ap.parse_args()
    if args.convert:
        return convert_main(*args.convert)
    if args.llamacpp_part:
        return llamacpp_main(args.llamacpp_part)

    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("RAYON_NUM_THREADS", "1")
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    import torch
    torch.set_num_threads(1)
    import transformers
    transformers.logging.set_verbosity_error()
    cases = args.cases or DEFAULT_ORDER
    for c in cases:
        if c not in CASES:
            raise SystemExit(f"unknown case {c!r}; known: {' '.join(DEFAULT_ORDER)}")
    work_root = Path(tempfile.mkdtemp(prefix="arch-fixtures-"))
    try:
        for c in cases:
            run_case(c, work_root)
    finally:
        if args.keep:
            log(f"work folder kept: {work_root}")
        else:
            shutil.rmtree(work_root, ignore_errors=True)


if __name__ == "__main__":
    main()
