#!/usr/bin/env python3
"""PyTorch reference values for classic sequence-model numerics: an LSTM layer, T5-style cross-attention,
Bahdanau (additive) attention and Luong "general" (bilinear) attention, forward values and gradients.

Everything is computed in float64 torch on CPU and written rounded to 9 significant digits, so that a float32
implementation compares with tolerances of ~1e-4. Each case draws its inputs from its own fixed seed; the loss whose
gradients are stored is always sum(output * R) for a stored random R (plus sum(c_n * S) for the LSTM).

Writes Tests/TensorCoreTests/Fixtures/classics/:
  lstm.json               torch.nn.LSTM(3, 4), seed 0 default init, batch 2, 5 steps, random h0 and c0; checked
                          against the explicit cell equations in `lstm_manual` (the equations the Swift side uses)
  cross_attention.json    pre-RMSNorm cross-attention with residual, 2 heads, key-padding mask, written by hand
  additive_attention.json Bahdanau attention score_t = v · tanh(W_s s + W_h h_t + b), masked softmax, context
  dot_attention.json      Luong general attention score_t = sᵀ W h_t, masked softmax, context
Fields, shapes and equations: Tests/TensorCoreTests/Fixtures/classics/FORMAT.md.

Run: ~/.cache/glassbox-bench-venv/bin/python scripts/make-classic-fixtures.py  (needs torch only; CPU, seconds)
"""
import json
import math
import os

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests/TensorCoreTests/Fixtures/classics")

torch.set_default_dtype(torch.float64)


def rounded(value):
    """Nested lists of floats rounded to 9 significant digits (ints and strings unchanged)."""
    if isinstance(value, torch.Tensor):
        value = value.detach().tolist()
    if isinstance(value, (list, tuple)):
        return [rounded(v) for v in value]
    if isinstance(value, float):
        return float(f"{value:.9g}")
    return value


def write(name, fields):
    """One key per line, each value compact: small files that still diff well."""
    lines = [f"  {json.dumps(key)}: {json.dumps(rounded(value), separators=(',', ':'))}"
             for key, value in fields.items()]
    path = os.path.join(OUT, name)
    with open(path, "w") as f:
        f.write("{\n" + ",\n".join(lines) + "\n}\n")
    print(f"{path}: {os.path.getsize(path)} bytes")


def leaf(t):
    return t.detach().clone().requires_grad_(True)


def masked_softmax(scores, lengths):
    """Softmax over the last axis; key t of batch row b is masked (score −inf, weight exactly 0) when t ≥ lengths[b].
    `scores` is [B, ..., T]."""
    T = scores.shape[-1]
    keep = torch.arange(T)[None, :] < torch.tensor(lengths)[:, None]          # [B, T]
    keep = keep.reshape(keep.shape[0], *([1] * (scores.dim() - 2)), T)
    return torch.softmax(scores.masked_fill(~keep, float("-inf")), dim=-1)


# ---------------------------------------------------------------------------------------------------------- LSTM

def lstm_manual(x, h0, c0, w_ih, w_hh, b_ih, b_hh):
    """The exact equations (PyTorch's): rows of w_ih / w_hh / b_ih / b_hh are four blocks of `hidden` rows in gate
    order i, f, g, o. x [T, B, I], h0 and c0 [B, H]. Returns outputs [T, B, H] (h after every step), h_n, c_n."""
    H = h0.shape[1]
    h, c, outputs = h0, c0, []
    for t in range(x.shape[0]):
        pre = x[t] @ w_ih.T + b_ih + h @ w_hh.T + b_hh                                 # [B, 4H]
        i = torch.sigmoid(pre[:, 0 * H:1 * H])
        f = torch.sigmoid(pre[:, 1 * H:2 * H])
        g = torch.tanh(pre[:, 2 * H:3 * H])
        o = torch.sigmoid(pre[:, 3 * H:4 * H])
        c = f * c + i * g
        h = o * torch.tanh(c)
        outputs.append(h)
    return torch.stack(outputs), h, c


def make_lstm():
    seed, I, H, B, T = 0, 3, 4, 2, 5
    torch.manual_seed(seed)
    lstm = torch.nn.LSTM(input_size=I, hidden_size=H, num_layers=1, batch_first=False)
    x = leaf(torch.randn(T, B, I) * 0.5)
    h0 = leaf(torch.randn(B, H) * 0.5)
    c0 = leaf(torch.randn(B, H) * 0.5)
    R = torch.randn(T, B, H)
    S = torch.randn(B, H)
    params = [lstm.weight_ih_l0, lstm.weight_hh_l0, lstm.bias_ih_l0, lstm.bias_hh_l0]

    outputs, (h_n, c_n) = lstm(x, (h0[None], c0[None]))
    h_n, c_n = h_n[0], c_n[0]
    loss = (outputs * R).sum() + (c_n * S).sum()
    grads = torch.autograd.grad(loss, [x, h0, c0] + params)

    m_out, m_h, m_c = lstm_manual(x, h0, c0, *params)
    m_loss = (m_out * R).sum() + (m_c * S).sum()
    m_grads = torch.autograd.grad(m_loss, [x, h0, c0] + params)
    forward_diff = max((a - b).abs().max().item() for a, b in [(m_out, outputs), (m_h, h_n), (m_c, c_n)])
    grad_diff = max((a - b).abs().max().item() for a, b in zip(m_grads, grads))
    assert forward_diff < 1e-10 and grad_diff < 1e-10, (forward_diff, grad_diff)
    print(f"lstm: manual loop vs nn.LSTM max |diff| forward {forward_diff:.3g}, gradients {grad_diff:.3g}")

    names = ["x", "h0", "c0", "weight_ih", "weight_hh", "bias_ih", "bias_hh"]
    write("lstm.json", {
        "description": "One-layer torch.nn.LSTM(3, 4) (seed-0 default init) run over 5 steps of a batch of 2 from "
                       "random h0 and c0, with the gradients of sum(outputs*R) + sum(c_n*S).",
        "seed": seed, "torch_version": torch.__version__,
        "input_size": I, "hidden_size": H, "batch": B, "steps": T,
        "weight_ih": params[0], "weight_hh": params[1], "bias_ih": params[2], "bias_hh": params[3],
        "x": x, "h0": h0, "c0": c0,
        "outputs": outputs, "h_n": h_n, "c_n": c_n,
        "R": R, "S": S, "loss": loss.item(),
        **{f"grad_{n}": g for n, g in zip(names, grads)},
    })
    return forward_diff, grad_diff


# ------------------------------------------------------------------------------------------------ cross-attention

def cross_attention(x, enc, norm_weight, wq, wk, wv, wo, lengths, heads, eps):
    """Pre-RMSNorm cross-attention with residual. x [B, Tq, D], enc [B, Tk, D]; weights [out, in]."""
    B, Tq, D = x.shape
    Tk, hd = enc.shape[1], D // heads
    n = x / torch.sqrt((x * x).mean(dim=-1, keepdim=True) + eps) * norm_weight
    q = (n @ wq.T).reshape(B, Tq, heads, hd).transpose(1, 2)                           # [B, H, Tq, hd]
    k = (enc @ wk.T).reshape(B, Tk, heads, hd).transpose(1, 2)                         # [B, H, Tk, hd]
    v = (enc @ wv.T).reshape(B, Tk, heads, hd).transpose(1, 2)
    scores = q @ k.transpose(-1, -2) / math.sqrt(hd)                                  # [B, H, Tq, Tk]
    attention = masked_softmax(scores, lengths)
    z = (attention @ v).transpose(1, 2).reshape(B, Tq, D)                              # heads concatenated
    return x + z @ wo.T, attention, scores


def make_cross_attention():
    seed, B, Tq, Tk, D, heads, eps = 1, 2, 3, 5, 8, 2, 1e-6
    lengths = [5, 3]
    torch.manual_seed(seed)
    x = leaf(torch.randn(B, Tq, D) * 0.5)
    enc = leaf(torch.randn(B, Tk, D) * 0.5)
    norm_weight = leaf(1 + 0.2 * torch.randn(D))
    wq, wk, wv, wo = (leaf(torch.randn(D, D) * 0.4) for _ in range(4))
    R = torch.randn(B, Tq, D)

    y, attention, scores = cross_attention(x, enc, norm_weight, wq, wk, wv, wo, lengths, heads, eps)
    loss = (y * R).sum()
    inputs = {"x": x, "enc": enc, "norm_weight": norm_weight, "wq": wq, "wk": wk, "wv": wv, "wo": wo}
    grads = torch.autograd.grad(loss, list(inputs.values()))
    assert all(attention[b, :, :, lengths[b]:].abs().max().item() == 0 for b in range(B) if lengths[b] < Tk)
    print(f"cross_attention: attention max {attention.max().item():.3f}, |scores| max {scores.abs().max().item():.3f}")

    write("cross_attention.json", {
        "description": "T5-style pre-RMSNorm cross-attention with residual (y = x + Wo·MHA(RMSNorm(x), enc)), "
                       "2 heads, key-padding mask from enc_lengths, with the gradients of sum(y*R).",
        "seed": seed, "torch_version": torch.__version__,
        "batch": B, "tq": Tq, "tk": Tk, "dim": D, "heads": heads, "eps": eps,
        "enc_lengths": lengths, **inputs,
        "scores": scores, "attention": attention, "y": y,
        "R": R, "loss": loss.item(),
        **{f"grad_{n}": g for n, g in zip(inputs, grads)},
    })


# ------------------------------------------------------------------------------------------- additive, bilinear

def additive_attention(s, h, w_s, w_h, bias, v, lengths):
    """Bahdanau: score[b, t] = v · tanh(w_s s[b] + w_h h[b, t] + bias); s [B, Ds], h [B, T, De]."""
    scores = torch.tanh((s @ w_s.T)[:, None, :] + h @ w_h.T + bias) @ v              # [B, T]
    weights = masked_softmax(scores, lengths)
    return (weights[:, :, None] * h).sum(dim=1), weights, scores


def dot_attention(s, h, w, lengths):
    """Luong general: score[b, t] = s[b]ᵀ w h[b, t]; s [B, Ds], h [B, T, De], w [Ds, De]."""
    scores = ((h @ w.T) * s[:, None, :]).sum(dim=-1)                                  # [B, T]
    weights = masked_softmax(scores, lengths)
    return (weights[:, :, None] * h).sum(dim=1), weights, scores


def make_additive_attention():
    seed, B, Ds, T, De, A = 2, 2, 4, 5, 6, 7
    lengths = [5, 2]
    torch.manual_seed(seed)
    s = leaf(torch.randn(B, Ds) * 0.5)
    h = leaf(torch.randn(B, T, De) * 0.5)
    w_s = leaf(torch.randn(A, Ds) * 0.5)
    w_h = leaf(torch.randn(A, De) * 0.5)
    bias = leaf(torch.randn(A) * 0.2)
    v = leaf(torch.randn(A) * 0.5)
    R = torch.randn(B, De)

    context, weights, scores = additive_attention(s, h, w_s, w_h, bias, v, lengths)
    loss = (context * R).sum()
    inputs = {"s": s, "h": h, "w_s": w_s, "w_h": w_h, "bias": bias, "v": v}
    grads = torch.autograd.grad(loss, list(inputs.values()))
    print(f"additive_attention: weights max {weights.max().item():.3f}")

    write("additive_attention.json", {
        "description": "Bahdanau (additive) attention of a decoder state over masked encoder outputs, "
                       "score_t = v · tanh(w_s s + w_h h_t + bias), with the gradients of sum(context*R).",
        "seed": seed, "torch_version": torch.__version__,
        "batch": B, "steps": T, "state_size": Ds, "encoder_size": De, "attention_size": A,
        "lengths": lengths, **inputs,
        "scores": scores, "weights": weights, "context": context,
        "R": R, "loss": loss.item(),
        **{f"grad_{n}": g for n, g in zip(inputs, grads)},
    })


def make_dot_attention():
    seed, B, Ds, T, De = 3, 2, 4, 5, 6
    lengths = [5, 4]
    torch.manual_seed(seed)
    s = leaf(torch.randn(B, Ds) * 0.5)
    h = leaf(torch.randn(B, T, De) * 0.5)
    w = leaf(torch.randn(Ds, De) * 0.5)
    R = torch.randn(B, De)

    context, weights, scores = dot_attention(s, h, w, lengths)
    loss = (context * R).sum()
    inputs = {"s": s, "h": h, "w": w}
    grads = torch.autograd.grad(loss, list(inputs.values()))
    print(f"dot_attention: weights max {weights.max().item():.3f}")

    write("dot_attention.json", {
        "description": "Luong general (bilinear) attention of a decoder state over masked encoder outputs, "
                       "score_t = s · (w h_t), with the gradients of sum(context*R).",
        "seed": seed, "torch_version": torch.__version__,
        "batch": B, "steps": T, "state_size": Ds, "encoder_size": De,
        "lengths": lengths, **inputs,
        "scores": scores, "weights": weights, "context": context,
        "R": R, "loss": loss.item(),
        **{f"grad_{n}": g for n, g in zip(inputs, grads)},
    })


def main():
    os.makedirs(OUT, exist_ok=True)
    make_lstm()
    make_cross_attention()
    make_additive_attention()
    make_dot_attention()


if __name__ == "__main__":
    main()
