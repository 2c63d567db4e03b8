"""The reference for `glassbox bench finetune`: Hugging Face transformers' LlamaForCausalLM with SmolLM2-135M's shapes
(float32, random weights: only the speed is compared) and PEFT LoRA adapters of the same rank on the same projections,
trained with AdamW on batches of the same shapes as Glassbox's timed steps (examples, padded length, response tokens,
read from its --json), the labels -100 outside the response. Prints one JSON object: median step time, steps/s,
tokens/s, peak resident size.

    finetune_pytorch.py --shapes '[[4, 64, 30], ...]' --rank 8 --targets q_proj,k_proj,v_proj,o_proj --threads 2
"""
import argparse
import json
import resource
import statistics
import time

import torch
from peft import LoraConfig, get_peft_model
from transformers import LlamaConfig, LlamaForCausalLM


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shapes", required=True)
    ap.add_argument("--rank", type=int, default=8)
    ap.add_argument("--targets", default="q_proj,k_proj,v_proj,o_proj")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--warmup", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    shapes = json.loads(a.shapes)
    config = LlamaConfig(vocab_size=49152, hidden_size=576, intermediate_size=1536, num_hidden_layers=30,
                         num_attention_heads=9, num_key_value_heads=3, max_position_embeddings=8192, rms_norm_eps=1e-5,
                         rope_theta=100000.0, tie_word_embeddings=True, hidden_act="silu")
    model = LlamaForCausalLM(config)
    model = get_peft_model(model, LoraConfig(r=a.rank, lora_alpha=2 * a.rank, lora_dropout=0.0,
                                             target_modules=a.targets.split(","), task_type="CAUSAL_LM"))
    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=1e-3, weight_decay=0.0)

    def step(b, t, targets):
        ids = torch.randint(0, 49152, (b, t))
        labels = torch.full((b, t), -100)
        per = max(1, targets // b)
        labels[:, t - per:] = ids[:, t - per:]
        opt.zero_grad(set_to_none=True)
        loss = model(input_ids=ids, labels=labels).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()

    for s in shapes[:a.warmup]:
        step(*s)
    times = []
    for s in shapes:
        t0 = time.perf_counter()
        step(*s)
        times.append(time.perf_counter() - t0)
    median = statistics.median(times)
    tokens = sum(s[0] * s[1] for s in shapes)
    print(json.dumps({"median_step_s": median, "steps_per_s": 1 / median, "tokens_per_s": tokens / sum(times),
                      "trainable_parameters": sum(p.numel() for p in params),
                      "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "torch": torch.__version__}))


if __name__ == "__main__":
    main()
