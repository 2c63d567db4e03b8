"""Loads an adapter folder written by `glassbox finetune` with Hugging Face PEFT onto transformers' Llama read from
the same GGUF file (transformers dequantises it and undoes llama.cpp's query/key row order), and compares greedy
continuations with Glassbox's, without and with the adapter (`glassbox generate --json`, `--adapter`).
Usage: python bench/check_peft_adapter.py MODEL.gguf ADAPTER_DIR BASE_GENERATE_JSON ADAPTED_GENERATE_JSON
(needs torch, transformers, peft and gguf: bench/finetune_vs_pytorch.sh's venv plus `pip install gguf`).
"""
import json
import os
import sys

import torch
from peft import PeftModel
from transformers import LlamaForCausalLM

gguf, adapter, base_ref, tuned_ref = sys.argv[1], sys.argv[2], json.load(open(sys.argv[3])), json.load(open(sys.argv[4]))
model = LlamaForCausalLM.from_pretrained(os.path.dirname(os.path.abspath(gguf)), gguf_file=os.path.basename(gguf),
                                         torch_dtype=torch.float32).eval()


def greedy(m, ref):
    ids = list(ref["prompt_ids"])
    with torch.no_grad():
        for _ in range(len(ref["ids"])):
            ids.append(int(torch.argmax(m(torch.tensor([ids])).logits[0, -1])))
    return ids[len(ref["prompt_ids"]):]


base = greedy(model, base_ref)
peft = PeftModel.from_pretrained(model, adapter).eval()
tuned = greedy(peft, tuned_ref)
print(json.dumps({"base_same_greedy_continuation": base == base_ref["ids"],
                  "adapted_same_greedy_continuation": tuned == tuned_ref["ids"],
                  "adapter_changes_the_answer": base_ref["ids"] != tuned_ref["ids"], "tokens": len(tuned),
                  "peft_trainable_lora_tensors": sum(1 for n, _ in peft.named_parameters() if "lora_" in n)}))
