#!/usr/bin/env python3
"""A PEFT LoRA adapter on the tiny Phi-3 fixture, with transformers + PEFT's logits: the reference for reading
(and, by the round trip, writing) adapters whose modules are Phi-3's fused projections (qkv_proj, gate_up_proj).

Writes Tests/ModelsTests/Fixtures/architectures/phi3/peft/: adapter_config.json and adapter_model.safetensors as
PEFT saves them (rank 2, alpha 4, every projection, A and B random so that every part of the update matters), and
logits.safetensors: for each fixture prompt, the adapted model's logits at every position ("prompt{k}.peft") and the
base model's ("prompt{k}.base").

Needs the fixtures venv (torch, transformers 5) with peft:  ~/.cache/glassbox-fixtures-venv/bin/pip install peft
Run:  ~/.cache/glassbox-fixtures-venv/bin/python scripts/make-peft-fixture.py     (seeded: a rerun writes the same)
"""
import json
import shutil
from pathlib import Path

import torch
from peft import LoraConfig, get_peft_model
from safetensors.torch import save_file
from transformers import AutoModelForCausalLM

ROOT = Path(__file__).resolve().parent.parent
CASE = ROOT / "Tests/ModelsTests/Fixtures/architectures/phi3"
OUT = CASE / "peft"

torch.manual_seed(0)
torch.set_num_threads(1)
model = AutoModelForCausalLM.from_pretrained(str(CASE / "hf"), dtype=torch.float32, attn_implementation="eager").eval()
prompts = [p["ids"] for p in json.loads((CASE / "reference.json").read_text(encoding="utf-8"))["prompts"]]
with torch.no_grad():
    base = [model(torch.tensor([ids])).logits[0] for ids in prompts]

config = LoraConfig(r=2, lora_alpha=4, lora_dropout=0.0, bias="none", task_type="CAUSAL_LM",
                    target_modules=["qkv_proj", "o_proj", "gate_up_proj", "down_proj"])
peft_model = get_peft_model(model, config)
with torch.no_grad():
    for name, p in peft_model.named_parameters():
        if "lora_A" in name or "lora_B" in name:
            # float16-exact values, so the file holds exactly what PEFT computed with
            p.copy_((torch.randn_like(p) * 0.5).half().float())
peft_model.eval()
with torch.no_grad():
    adapted = [peft_model(torch.tensor([ids])).logits[0] for ids in prompts]

if OUT.exists():
    shutil.rmtree(OUT)
peft_model.save_pretrained(str(OUT))
tensors = {}
for k, (b, a) in enumerate(zip(base, adapted)):
    tensors[f"prompt{k}.base"] = b.contiguous()
    tensors[f"prompt{k}.peft"] = a.contiguous()
save_file(tensors, str(OUT / "logits.safetensors"))
for f in OUT.glob("README.md"):
    f.unlink()
# A stable file: the base model named relative to the adapter, the target modules sorted (PEFT keeps a set).
cfg = json.loads((OUT / "adapter_config.json").read_text(encoding="utf-8"))
cfg["base_model_name_or_path"] = "../hf"
cfg["target_modules"] = sorted(cfg["target_modules"])
(OUT / "adapter_config.json").write_text(json.dumps(cfg, indent=2, sort_keys=True) + "\n", encoding="utf-8")
change = max(float((a - b).abs().max()) for a, b in zip(adapted, base))
print(f"wrote {OUT}: {sorted(p.name for p in OUT.iterdir())}; the adapter moves the logits by up to {change:.3g}")
