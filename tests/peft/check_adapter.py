"""Checks a LoRA adapter folder the way Hugging Face PEFT reads it: adapter_config.json and adapter_model.safetensors
(loaded with Python's safetensors), every key in PEFT's naming, A [r, in] and B [out, r] for each targeted projection
of every layer, float32, finite. Prints a JSON summary; exits 1 with the reasons on any problem.

    check_adapter.py ADAPTER_DIR --layers 30 --hidden 576 --intermediate 1536 --kv-width 192
"""
import argparse
import json
import os
import re
import sys

import numpy as np
from safetensors.numpy import load_file

KEY = re.compile(r"^base_model\.model\.model\.layers\.(\d+)\.(self_attn|mlp)\.(q_proj|k_proj|v_proj|o_proj|gate_proj|up_proj|down_proj)\.lora_(A|B)\.weight$")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("folder")
    ap.add_argument("--layers", type=int, required=True)
    ap.add_argument("--hidden", type=int, required=True)
    ap.add_argument("--intermediate", type=int, required=True)
    ap.add_argument("--kv-width", type=int, required=True)
    a = ap.parse_args()
    config = json.load(open(os.path.join(a.folder, "adapter_config.json")))
    tensors = load_file(os.path.join(a.folder, "adapter_model.safetensors"))
    problems = []
    r = config.get("r")
    targets = config.get("target_modules") or []
    if config.get("peft_type") != "LORA":
        problems.append(f"peft_type {config.get('peft_type')!r}")
    if config.get("task_type") != "CAUSAL_LM":
        problems.append(f"task_type {config.get('task_type')!r}")
    shapes = {"q_proj": (a.hidden, a.hidden), "k_proj": (a.kv_width, a.hidden), "v_proj": (a.kv_width, a.hidden),
              "o_proj": (a.hidden, a.hidden), "gate_proj": (a.intermediate, a.hidden), "up_proj": (a.intermediate, a.hidden),
              "down_proj": (a.hidden, a.intermediate)}
    seen = set()
    for name, t in tensors.items():
        m = KEY.match(name)
        if not m:
            problems.append(f"key {name} is not in PEFT's naming")
            continue
        layer, block, proj, which = int(m.group(1)), m.group(2), m.group(3), m.group(4)
        seen.add((layer, proj, which))
        if proj not in targets:
            problems.append(f"{name}: {proj} is not in target_modules")
        if (block == "mlp") != (proj in ("gate_proj", "up_proj", "down_proj")):
            problems.append(f"{name}: {proj} under {block}")
        out_f, in_f = shapes[proj]
        want = (r, in_f) if which == "A" else (out_f, r)
        if tuple(t.shape) != want:
            problems.append(f"{name}: shape {tuple(t.shape)}, expected {want}")
        if t.dtype != np.float32:
            problems.append(f"{name}: dtype {t.dtype}")
        if not np.all(np.isfinite(t)):
            problems.append(f"{name}: non-finite values")
    for layer in range(a.layers):
        for proj in targets:
            for which in "AB":
                if (layer, proj, which) not in seen:
                    problems.append(f"layer {layer} {proj} lora_{which} is missing")
    nonzero_b = sum(1 for n, t in tensors.items() if n.endswith("lora_B.weight") and np.any(t != 0))
    print(json.dumps({"tensors": len(tensors), "r": r, "lora_alpha": config.get("lora_alpha"), "target_modules": targets,
                      "nonzero_B": nonzero_b, "problems": problems[:20]}))
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
