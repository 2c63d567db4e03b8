"""PyTorch reference for `glassbox bench train`: the same GPT-2 configuration, trained on CPU in fp32.

Forward + backward + gradient clipping + AdamW step on random character ids (vocabulary 65), with the same thread
count; reports the median step's tokens/s and model-FLOPs utilisation with the same formula as Glassbox
(nanoGPT's 6N + 12 L T C per token) against the sgemm peak passed in (measured by Glassbox in the same run).
"""
import argparse
import json
import math
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

PRESETS = {"s": dict(n_layer=4, n_head=4, n_embd=128, block=128, batch=16),
           "m": dict(n_layer=6, n_head=6, n_embd=384, block=256, batch=16)}


class Block(nn.Module):
    def __init__(self, c, nh):
        super().__init__()
        self.nh = nh
        self.ln_1, self.ln_2 = nn.LayerNorm(c), nn.LayerNorm(c)
        self.c_attn, self.attn_proj = nn.Linear(c, 3 * c), nn.Linear(c, c)
        self.c_fc, self.mlp_proj = nn.Linear(c, 4 * c), nn.Linear(4 * c, c)

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.c_attn(self.ln_1(x)).split(C, dim=2)
        q, k, v = (t.view(B, T, self.nh, C // self.nh).transpose(1, 2) for t in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True).transpose(1, 2).contiguous().view(B, T, C)
        x = x + self.attn_proj(y)
        return x + self.mlp_proj(F.gelu(self.c_fc(self.ln_2(x)), approximate="tanh"))


class GPT(nn.Module):
    def __init__(self, vocab, block, n_layer, n_head, n_embd):
        super().__init__()
        self.wte, self.wpe = nn.Embedding(vocab, n_embd), nn.Embedding(block, n_embd)
        self.h = nn.ModuleList(Block(n_embd, n_head) for _ in range(n_layer))
        self.ln_f = nn.LayerNorm(n_embd)

    def forward(self, idx, targets):
        T = idx.shape[1]
        x = self.wte(idx) + self.wpe(torch.arange(T))
        for b in self.h:
            x = b(x)
        logits = self.ln_f(x) @ self.wte.weight.t()
        return F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--preset", default="s", choices=PRESETS)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=None)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--peak-gflops", type=float, default=None, help="sgemm peak measured by glassbox in the same run")
    ap.add_argument("--vocab", type=int, default=65)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    p = PRESETS[a.preset]
    B, T = p["batch"], p["block"]
    model = GPT(a.vocab, T, p["n_layer"], p["n_head"], p["n_embd"])
    decay = [q for q in model.parameters() if q.dim() >= 2]
    no_decay = [q for q in model.parameters() if q.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=1e-4, betas=(0.9, 0.99), foreach=True)

    def step():
        x = torch.randint(0, a.vocab, (B, T))
        y = torch.randint(0, a.vocab, (B, T))
        loss = model(x, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()

    for _ in range(a.warmup):
        step()
    n = a.steps or (6 if a.preset == "m" else 20)
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    median = statistics.median(times)
    tps = B * T / median
    n_params = sum(q.numel() for q in model.parameters()) - model.wpe.weight.numel()
    flops_per_token = 6 * n_params + 12 * p["n_layer"] * T * p["n_embd"]
    out = {"preset": a.preset, "tokens_per_s": tps, "threads": a.threads, "step_ms_median": median * 1000,
           "torch": torch.__version__, "flops_per_token": flops_per_token,
           "cpu_capability": torch.backends.cpu.get_cpu_capability(),
           "blas": "mkl" if torch.backends.mkl.is_available() else "other"}
    if a.peak_gflops:
        out["mfu"] = flops_per_token * tps / (a.peak_gflops * 1e9)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
