"""PyTorch reference for data-parallel training: the GPT of train_pytorch.py under DistributedDataParallel (gloo,
CPU, fp32), the global batch split across N processes of one thread each, as `mpirun -np N glassbox train` does.

Prints rank 0's median step time as global tokens/s, and the share of a step spent in DDP's gradient all-reduce
(measured as the step time with `no_sync` subtracted from the synchronised one, both medians).
"""
import argparse
import json
import os
import statistics
import sys
import time

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch.nn.parallel import DistributedDataParallel as DDP

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_pytorch import GPT, PRESETS  # noqa: E402


def worker(rank, world, a, port, out):
    os.environ["MASTER_ADDR"], os.environ["MASTER_PORT"] = "127.0.0.1", str(port)
    dist.init_process_group("gloo", rank=rank, world_size=world)
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    p = PRESETS[a.preset]
    B, T = p["batch"] // world, p["block"]
    model = DDP(GPT(a.vocab, T, p["n_layer"], p["n_head"], p["n_embd"]))
    params = list(model.parameters())
    opt = torch.optim.AdamW([{"params": [q for q in params if q.dim() >= 2], "weight_decay": 0.1},
                             {"params": [q for q in params if q.dim() < 2], "weight_decay": 0.0}],
                            lr=1e-4, betas=(0.9, 0.99), foreach=True)

    def step(sync=True):
        x = torch.randint(0, a.vocab, (B, T))
        y = torch.randint(0, a.vocab, (B, T))
        opt.zero_grad(set_to_none=True)
        if sync:
            model(x, y).backward()
        else:
            with model.no_sync():
                model(x, y).backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()

    for _ in range(a.warmup):
        step()
    timed = {True: [], False: []}
    for i in range(2 * a.steps):
        sync = i % 2 == 0
        dist.barrier()
        t0 = time.perf_counter()
        step(sync)
        timed[sync].append(time.perf_counter() - t0)
    if rank == 0:
        s, u = statistics.median(timed[True]), statistics.median(timed[False])
        out.put({"preset": a.preset, "ranks": world, "threads_per_rank": a.threads, "tokens_per_s": p["batch"] * T / s,
                 "step_ms_median": s * 1000, "allreduce_share": max(0.0, (s - u) / s), "torch": torch.__version__})
    dist.destroy_process_group()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--preset", default="s", choices=PRESETS)
    ap.add_argument("--ranks", type=int, default=2)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--vocab", type=int, default=65)
    a = ap.parse_args()
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    port = 29500 + os.getpid() % 1000
    procs = [ctx.Process(target=worker, args=(r, a.ranks, a, port, out)) for r in range(a.ranks)]
    for p in procs:
        p.start()
    result = out.get()
    for p in procs:
        p.join()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
