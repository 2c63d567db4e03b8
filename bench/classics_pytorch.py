"""PyTorch reference for the classic models' training speed (bench/classics_vs_pytorch.sh): the same shapes as
`glassbox train mlp` and `glassbox train seq2seq` (LSTM with additive attention, and the transformer), trained on
CPU in fp32 with the same thread count and batch sizes. Prints one JSON object: steps/s of each.

Data: the MLP runs full-batch Adam on 800 random 2-D points with 2 classes; the seq2seq models run Adam on batches of
64 random character strings of 10 to 30 characters (the date task's input lengths) with 10-character targets, the
vocabulary of 71 characters: the same work per step as ours, without our data generation.
"""
import argparse
import json
import math
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

V, PAD, START, END = 71, 0, 1, 2


def timed(step, n):
    for _ in range(3):
        step()
    t0 = time.perf_counter()
    for _ in range(n):
        step()
    return n / (time.perf_counter() - t0)


def mlp_bench(steps):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 64), nn.Tanh(), nn.Linear(64, 64), nn.Tanh(), nn.Linear(64, 2))
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    x, y = torch.randn(800, 2), torch.randint(0, 2, (800,))

    def step():
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
    return timed(step, steps)


def batch(B=64):
    lengths = torch.randint(10, 31, (B,))
    T = int(lengths.max())
    src = torch.randint(4, V, (B, T))
    mask = torch.arange(T)[None, :] < lengths[:, None]
    src = src.masked_fill(~mask, PAD)
    tgt = torch.randint(4, V, (B, 10))
    return src, lengths, mask, tgt


class LSTMSeq2Seq(nn.Module):
    def __init__(self, E=32, H=64):
        super().__init__()
        D = 2 * H
        self.embed = nn.Embedding(V, E)
        self.encoder = nn.LSTM(E, H, batch_first=True, bidirectional=True)
        self.bridge = nn.Linear(D, D)
        self.ws, self.wh, self.v = nn.Linear(D, H, bias=False), nn.Linear(D, H), nn.Linear(H, 1, bias=False)
        self.decoder = nn.LSTMCell(E + D, D)
        self.out = nn.Linear(2 * D, V)

    def forward(self, src, lengths, mask, tgt):
        packed = nn.utils.rnn.pack_padded_sequence(self.embed(src), lengths, batch_first=True, enforce_sorted=False)
        states, (hn, _) = self.encoder(packed)
        states, _ = nn.utils.rnn.pad_packed_sequence(states, batch_first=True, total_length=src.shape[1])
        h = torch.tanh(self.bridge(torch.cat([hn[0], hn[1]], -1)))
        c = torch.zeros_like(h)
        keys = self.wh(states)
        prev = torch.full((src.shape[0],), START)
        logits = []
        for t in range(tgt.shape[1] + 1):
            scores = self.v(torch.tanh(keys + self.ws(h)[:, None, :])).squeeze(-1).masked_fill(~mask, float("-inf"))
            w = scores.softmax(-1)
            context = (w[:, :, None] * states).sum(1)
            h, c = self.decoder(torch.cat([self.embed(prev), context], -1), (h, c))
            logits.append(self.out(torch.cat([h, context], -1)))
            prev = tgt[:, t] if t < tgt.shape[1] else prev
        want = torch.cat([tgt, torch.full((tgt.shape[0], 1), END)], 1)
        return F.cross_entropy(torch.stack(logits, 1).reshape(-1, V), want.reshape(-1))


class Block(nn.Module):
    def __init__(self, D, heads, cross):
        super().__init__()
        self.heads = heads
        self.n1, self.n2, self.n3 = nn.RMSNorm(D, eps=1e-6), nn.RMSNorm(D, eps=1e-6), nn.RMSNorm(D, eps=1e-6)
        self.qkv = nn.Linear(D, 3 * D, bias=False)
        self.o = nn.Linear(D, D, bias=False)
        self.cross = cross
        if cross:
            self.cq, self.ckv, self.co = nn.Linear(D, D, bias=False), nn.Linear(D, 2 * D, bias=False), nn.Linear(D, D, bias=False)
        self.wi, self.wo = nn.Linear(D, 4 * D, bias=False), nn.Linear(4 * D, D, bias=False)

    def attend(self, q, k, v, mask):
        B, Tq, D = q.shape
        split = lambda t: t.view(B, t.shape[1], self.heads, D // self.heads).transpose(1, 2)
        z = F.scaled_dot_product_attention(split(q), split(k), split(v), attn_mask=mask)
        return z.transpose(1, 2).reshape(B, Tq, D)

    def forward(self, x, mask, enc=None, enc_mask=None):
        q, k, v = self.qkv(self.n1(x)).chunk(3, -1)
        x = x + self.o(self.attend(q, k, v, mask))
        if self.cross:
            k, v = self.ckv(enc).chunk(2, -1)
            x = x + self.co(self.attend(self.cq(self.n2(x)), k, v, enc_mask))
        return x + self.wo(F.relu(self.wi(self.n3(x))))


class TransformerSeq2Seq(nn.Module):
    def __init__(self, D=64, heads=4, layers=2):
        super().__init__()
        self.D = D
        self.embed = nn.Embedding(V, D)
        self.enc = nn.ModuleList([Block(D, heads, False) for _ in range(layers)])
        self.dec = nn.ModuleList([Block(D, heads, True) for _ in range(layers)])
        self.en, self.dn, self.out = nn.RMSNorm(D, eps=1e-6), nn.RMSNorm(D, eps=1e-6), nn.Linear(D, V, bias=False)

    def positions(self, T):
        pos = torch.arange(T)[:, None] / torch.pow(10000, torch.arange(0, self.D, 2)[None, :] / self.D)
        return torch.stack([pos.sin(), pos.cos()], -1).reshape(T, self.D)

    def forward(self, src, lengths, mask, tgt):
        B, T = src.shape
        pad = mask[:, None, None, :]
        x = self.embed(src) + self.positions(T)
        for b in self.enc:
            x = b(x, pad)
        enc = self.en(x)
        rows = torch.cat([torch.full((B, 1), START), tgt], 1)
        causal = torch.ones(rows.shape[1], rows.shape[1], dtype=torch.bool).tril()
        y = self.embed(rows) + self.positions(rows.shape[1])
        for b in self.dec:
            y = b(y, causal, enc, pad)
        want = torch.cat([tgt, torch.full((B, 1), END)], 1)
        return F.cross_entropy(self.out(self.dn(y)).reshape(-1, V), want.reshape(-1))


def seq2seq_bench(model, steps):
    torch.manual_seed(0)
    opt = torch.optim.Adam(model.parameters(), lr=0.003)
    batches = [batch() for _ in range(8)]
    i = [0]

    def step():
        src, lengths, mask, tgt = batches[i[0] % len(batches)]
        i[0] += 1
        opt.zero_grad()
        loss = model(src, lengths, mask, tgt)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
    return timed(step, steps)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=200)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    print(json.dumps({"mlp_steps_per_s": round(mlp_bench(a.steps * 5), 1),
                      "lstm_steps_per_s": round(seq2seq_bench(LSTMSeq2Seq(), a.steps), 2),
                      "transformer_steps_per_s": round(seq2seq_bench(TransformerSeq2Seq(), a.steps), 2),
                      "torch": torch.__version__, "threads": a.threads}))
