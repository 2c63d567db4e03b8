"""Reference contribution graph (the LLM Transparency Tool's definition) for the tiny GPT-2 test model.

Reads Tests/NeuralNetTests/Fixtures/tiny_gpt2 (HF GPT2LMHeadModel: 2 layers, 4 heads, width 48; its biases are all
zero after HF's init, so every bias is first set to a fixed pattern, the same one the Swift test sets:
bias[i] = (((7 i + 5 L + 3 s) mod 13) − 6) / 256 with s = 1 for attn.c_attn, 2 attn.c_proj, 3 mlp.c_fc,
4 mlp.c_proj). Runs GPT-2's forward by hand in float32 torch (no transformers needed) and computes the contributions
in float64 from the float32 activations:

  attention, per layer L and query q: parts A[h,q,k] · (v_h[k] @ W_O[h·hd:(h+1)·hd, :]) for k ≤ q (v includes
  c_attn's bias; c_proj's bias b_O is in the whole but in no part, as in the LLM Transparency Tool) and x_pre[q];
  whole x_mid[q]. MLP: parts x_post[q] − x_mid[q] and x_mid[q]; whole x_post[q].
  contribution = max(‖whole‖₁ − ‖whole − part‖₁, 1e-5), normalised over the parts of one whole.

Writes Tests/InterpretabilityTests/Fixtures/contribution_graph_tiny_gpt2.json:
  input_ids [T]; layers: [{layer, attn_tokens [T][T], attn_heads [T][H], attn_resid [T], mlp [T], mlp_resid [T]}];
  max_abs_part_sum_error (‖Σ parts + b_O − x_mid‖∞, a check of the decomposition); versions.
Run: ~/.cache/glassbox-bench-venv/bin/python scripts/make-contribution-graph-fixture.py  (needs torch only)
"""
import json
import math
import os
import struct
import sys

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODEL = os.path.join(ROOT, "Tests/NeuralNetTests/Fixtures/tiny_gpt2")
OUT = os.path.join(ROOT, "Tests/InterpretabilityTests/Fixtures/contribution_graph_tiny_gpt2.json")
EPS = 1e-5
SUMS = []  # each whole's unnormalised total (how far above the floor the contributions are)


def read_safetensors(path):
    with open(path, "rb") as f:
        blob = f.read()
    n = struct.unpack("<Q", blob[:8])[0]
    header = json.loads(blob[8:8 + n])
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        lo, hi = info["data_offsets"]
        raw = blob[8 + n + lo:8 + n + hi]
        dtype = {"F32": torch.float32, "I32": torch.int32}[info["dtype"]]
        out[name] = torch.frombuffer(bytearray(raw), dtype=dtype).reshape(info["shape"]).clone()
    return out


def layer_norm(x, w, b, eps):
    mean = x.mean(-1, keepdim=True)
    var = ((x - mean) ** 2).mean(-1, keepdim=True)                 # biased variance, as GPT-2
    return (x - mean) / torch.sqrt(var + eps) * w + b


def gelu_new(x):
    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


def contributions(parts, whole):
    """parts (P, D), whole (D) -> (P,) normalised contributions (float64)."""
    g = whole.abs().sum() - (whole[None, :] - parts).abs().sum(-1)
    g = g.clamp(min=EPS)
    SUMS.append(g.sum().item())
    return g / g.sum()


def main():
    with open(os.path.join(MODEL, "config.json")) as f:
        cfg = json.load(f)
    W = read_safetensors(os.path.join(MODEL, "model.safetensors"))
    # The first row of tiny_gpt2/outputs.safetensors' input_ids (16 tokens).
    ids = read_safetensors(os.path.join(MODEL, "outputs.safetensors"))["input_ids"][0].long()
    L, H, D, eps = cfg["n_layer"], cfg["n_head"], cfg["n_embd"], cfg["layer_norm_epsilon"]
    hd, T = D // H, ids.numel()

    salts = {"attn.c_attn.bias": 1, "attn.c_proj.bias": 2, "mlp.c_fc.bias": 3, "mlp.c_proj.bias": 4}
    for l in range(L):
        for suffix, s in salts.items():
            name = f"transformer.h.{l}.{suffix}"
            i = torch.arange(W[name].numel())
            W[name] = ((((7 * i + 5 * l + 3 * s) % 13) - 6).to(torch.float32) / 256)

    p = lambda l, n: W[f"transformer.h.{l}.{n}"]
    x = W["transformer.wte.weight"][ids] + W["transformer.wpe.weight"][:T]          # (T, D) float32
    mask = torch.ones(T, T, dtype=torch.bool).tril()
    layers, worst = [], 0.0
    for l in range(L):
        x_pre = x
        n1 = layer_norm(x_pre, p(l, "ln_1.weight"), p(l, "ln_1.bias"), eps)
        qkv = n1 @ p(l, "attn.c_attn.weight") + p(l, "attn.c_attn.bias")             # (T, 3D), Conv1D
        q, k, v = qkv.split(D, dim=-1)
        q, k, v = (t.reshape(T, H, hd).transpose(0, 1) for t in (q, k, v))            # (H, T, hd)
        scores = (q @ k.transpose(-1, -2)) / math.sqrt(hd)
        A = scores.masked_fill(~mask, float("-inf")).softmax(-1)                       # (H, T, T)
        z = (A @ v).transpose(0, 1).reshape(T, D)
        Wo, bo = p(l, "attn.c_proj.weight"), p(l, "attn.c_proj.bias")                  # (D_in, D_out)
        x_mid = x_pre + (z @ Wo + bo)
        n2 = layer_norm(x_mid, p(l, "ln_2.weight"), p(l, "ln_2.bias"), eps)
        mlp_out = gelu_new(n2 @ p(l, "mlp.c_fc.weight") + p(l, "mlp.c_fc.bias")) @ p(l, "mlp.c_proj.weight") \
            + p(l, "mlp.c_proj.bias")
        x_post = x_mid + mlp_out

        # float64 from here on, from the float32 activations.
        A64, v64, Wo64 = A.double(), v.double(), Wo.double()
        pre, mid, post = x_pre.double(), x_mid.double(), x_post.double()
        o = torch.stack([v64[h] @ Wo64[h * hd:(h + 1) * hd, :] for h in range(H)])      # (H, T_k, D)
        attn_tokens = torch.zeros(T, T, dtype=torch.float64)
        attn_heads = torch.zeros(T, H, dtype=torch.float64)
        attn_resid = torch.zeros(T, dtype=torch.float64)
        mlp = torch.zeros(T, dtype=torch.float64)
        mlp_resid = torch.zeros(T, dtype=torch.float64)
        for qi in range(T):
            parts = (A64[:, qi, :qi + 1, None] * o[:, :qi + 1, :])                      # (H, qi+1, D)
            worst = max(worst, (parts.sum((0, 1)) + pre[qi] + bo.double() - mid[qi]).abs().max().item())
            c = contributions(torch.cat([parts.reshape(-1, D), pre[qi][None]]), mid[qi])
            ch = c[:-1].reshape(H, qi + 1)
            attn_tokens[qi, :qi + 1] = ch.sum(0)
            attn_heads[qi] = ch.sum(1)
            attn_resid[qi] = c[-1]
            m = contributions(torch.stack([post[qi] - mid[qi], mid[qi]]), post[qi])
            mlp[qi], mlp_resid[qi] = m[0], m[1]
        layers.append({"layer": l, "attn_tokens": attn_tokens.tolist(), "attn_heads": attn_heads.tolist(),
                       "attn_resid": attn_resid.tolist(), "mlp": mlp.tolist(), "mlp_resid": mlp_resid.tolist()})
        x = x_post

    doc = {
        "model": "Tests/NeuralNetTests/Fixtures/tiny_gpt2 with every bias set to (((7i + 5L + 3s) mod 13) - 6) / 256, "
                 "s = 1 attn.c_attn, 2 attn.c_proj, 3 mlp.c_fc, 4 mlp.c_proj",
        "input_ids": ids.tolist(),
        "output_bias": "attn.c_proj.bias is in the whole x_mid but in no part (as in the LLM Transparency Tool)",
        "max_abs_part_sum_error": worst,
        "min_unnormalised_total": min(SUMS),
        "layers": layers,
        "versions": {"torch": torch.__version__, "python": sys.version.split()[0]},
    }
    with open(OUT, "w") as f:
        json.dump(doc, f, indent=None, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {OUT}: T={T}, layers={L}, parts + b_O vs x_mid max abs error {worst:.2e}, smallest unnormalised total {min(SUMS):.3g}")


if __name__ == "__main__":
    main()
