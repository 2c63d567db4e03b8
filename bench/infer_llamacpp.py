"""llama.cpp (through llama-cpp-python) on the same GGUF, threads and work as `glassbox bench infer`.

Prefill: the first 128 / 512 tokens of the bundled corpus in one eval (n_batch 512). Decode: 128 tokens fed one
at a time after a 32-token prompt. Medians of `--repeats` runs; one JSON object on stdout.
"""
import argparse
import json
import statistics
import time

from llama_cpp import Llama

ap = argparse.ArgumentParser()
ap.add_argument("--model", required=True)
ap.add_argument("--threads", type=int, default=2)
ap.add_argument("--repeats", type=int, default=3)
ap.add_argument("--decode-tokens", type=int, default=128)
ap.add_argument("--corpus", default="data/tinyshakespeare.txt")
a = ap.parse_args()

llm = Llama(model_path=a.model, n_ctx=1024, n_batch=512, n_ubatch=512, n_threads=a.threads,
            n_threads_batch=a.threads, verbose=False)
text = open(a.corpus, encoding="utf-8").read()[:20000]
ids = llm.tokenize(text.encode("utf-8"), add_bos=False, special=False)


def prefill(n):
    rates = []
    for _ in range(a.repeats):
        llm.reset()
        llm._ctx.kv_cache_clear() if hasattr(llm._ctx, "kv_cache_clear") else None
        t0 = time.perf_counter()
        llm.eval(ids[:n])
        rates.append(n / (time.perf_counter() - t0))
    return statistics.median(rates)


def decode():
    rates = []
    for _ in range(a.repeats):
        llm.reset()
        llm._ctx.kv_cache_clear() if hasattr(llm._ctx, "kv_cache_clear") else None
        llm.eval(ids[:32])
        t0 = time.perf_counter()
        for t in ids[32:32 + a.decode_tokens]:
            llm.eval([t])
        rates.append(a.decode_tokens / (time.perf_counter() - t0))
    return statistics.median(rates)


prefill(16)  # warm-up
out = {"prefill_128_tokens_per_s": prefill(128), "prefill_512_tokens_per_s": prefill(512),
       "decode_tokens_per_s": decode(), "threads": a.threads}
try:  # which CPU features llama.cpp's kernels were built for and use
    import llama_cpp
    out["system_info"] = llama_cpp.llama_print_system_info().decode("utf-8", "replace").strip()
except Exception:
    pass
print(json.dumps(out))
