"""Loads a checkpoint folder written by `glassbox train` with Hugging Face transformers, as is, and compares its
greedy continuation with Glassbox's (`glassbox generate --model FOLDER --temperature 0 --json`).
Usage: python bench/check_hf_checkpoint.py CHECKPOINT_FOLDER GENERATE_JSON
"""
import json
import sys

import torch
from transformers import GPT2LMHeadModel

folder, ref = sys.argv[1], json.load(open(sys.argv[2]))
model = GPT2LMHeadModel.from_pretrained(folder).eval()
ids = list(ref["prompt_ids"])
with torch.no_grad():
    for _ in range(len(ref["ids"])):
        logits = model(torch.tensor([ids[-model.config.n_positions:]])).logits[0, -1]
        ids.append(int(torch.argmax(logits)))
ours = ids[len(ref["prompt_ids"]):]
print(json.dumps({"loaded": True, "parameters": sum(p.numel() for p in model.parameters()),
                  "same_greedy_continuation": ours == ref["ids"], "tokens": len(ours)}))
