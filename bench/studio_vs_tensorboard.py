"""Times the studio's and TensorBoard's answers for one long series (see studio_vs_tensorboard.sh)."""
import argparse, json, os, socket, statistics, subprocess, sys, time, urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url, timeout=120):
    t = time.perf_counter()
    with urllib.request.urlopen(url, timeout=timeout) as r:
        body = r.read()
    return time.perf_counter() - t, json.loads(body)


def wait_for(url, done, started, limit=300):
    """Polls url until done(answer) holds; returns (seconds since started, the answer)."""
    while time.perf_counter() - started < limit:
        try:
            _, a = get(url, timeout=limit)
            if done(a):
                return time.perf_counter() - started, a
        except Exception:
            pass
        time.sleep(0.02)
    raise SystemExit(f"no complete answer from {url} in {limit} s")


def measure(name, argv, url, done, spike_in, env=None):
    started = time.perf_counter()
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        ready, first = wait_for(url, done, started)
        # Cold: the first request that found the server up was answered in `ready`; its own latency is measured on
        # a new server below. Warm: 20 more requests.
        warm = sorted(get(url)[0] for _ in range(20))
        return {"server": name, "first_complete_answer_s": ready, "warm_ms_median": statistics.median(warm) * 1000,
                "spike_kept": spike_in(first), "points_in_answer": len(first) if isinstance(first, list) else None}
    finally:
        p.terminate()
        p.wait()


def cold_request(argv, health, url):
    """A new server: wait until it listens, then time one request for the series."""
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(health, lambda a: True, time.perf_counter())
        return get(url)[0] * 1000
    finally:
        p.terminate()
        p.wait()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--glassbox", required=True)
    ap.add_argument("--runs-dir", required=True)
    ap.add_argument("--series", required=True)
    a = ap.parse_args()
    series = json.load(open(a.series))
    spike, points = series["spike_step"], series["points"]

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    argv = [a.glassbox, "serve", "--runs-dir", a.runs_dir, "--port", str(port)]
    url = f"{base}/api/runs/bench/scalars?tag=train/loss&buckets=2000"
    ours = measure("glassbox studio", argv, url, lambda b: b.get("count") == points,
                   lambda b: any(x["first_step"] <= spike <= x["last_step"] and x["max"] == 100 for x in b["buckets"]))
    ours["cold_request_ms"] = cold_request(argv, f"{base}/api/runs", url)

    tport = free_port()
    tbase = f"http://127.0.0.1:{tport}"
    targv = [sys.executable, "-m", "tensorboard.main", "--logdir", a.runs_dir, "--port", str(tport), "--host", "127.0.0.1"]
    turl = f"{tbase}/data/plugin/scalars/scalars?run=bench&tag=train/loss"
    theirs = measure("tensorboard", targv, turl, lambda b: isinstance(b, list) and len(b) > 0 and b[-1][1] == points,
                     lambda b: any(s == spike and v == 100 for _, s, v in b))
    import tensorboard
    theirs["version"] = tensorboard.__version__

    for r in (ours, theirs):
        print(json.dumps(r))
    print(f"{points} points, spike at step {spike}")
    print(f"first complete answer after start: glassbox {ours['first_complete_answer_s']:.2f} s, "
          f"TensorBoard {tensorboard.__version__} {theirs['first_complete_answer_s']:.2f} s "
          f"({theirs['first_complete_answer_s'] / ours['first_complete_answer_s']:.1f}x)")
    print(f"one request to a server just started (cold): glassbox {ours['cold_request_ms']:.0f} ms")
    print(f"warm request, median of 20: glassbox {ours['warm_ms_median']:.1f} ms, TensorBoard {theirs['warm_ms_median']:.1f} ms")
    print(f"spike in the answer: glassbox {'yes' if ours['spike_kept'] else 'NO'}, "
          f"TensorBoard {'yes' if theirs['spike_kept'] else 'no'} ({theirs['points_in_answer']} sampled points)")


if __name__ == "__main__":
    main()
