#!/usr/bin/env python3
"""What live viewers cost a training: `glassbox train --serve --log-interval 1` alone, then with N viewers on the
run's event stream, alternating, R runs each way on the same machine. Prints the training's tokens/s each way
(median) and the ratio, the delivery delay of points to the viewers (now - the point's wall time: median and
worst), and the studio process's resident memory above its idle size. Standard library only.

usage: bench/studio_viewers.py [--viewers 50] [--runs 3] [--steps 400] [--binary .build/release/glassbox]
"""
import argparse, json, os, re, signal, socket, statistics, subprocess, sys, tempfile, threading, time


def children(pid):
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = open(f"/proc/{entry}/stat").read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[1]) == pid:
            out.append(int(entry))
    return out


def cpu_seconds(pid):
    """User plus system CPU time of a process so far (0 when it is gone)."""
    try:
        stat = open(f"/proc/{pid}/stat").read()
    except OSError:
        return 0.0
    fields = stat[stat.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid):
    try:
        for line in open(f"/proc/{pid}/status"):
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class Viewer(threading.Thread):
    """One `curl -N`-like reader of the event stream, recording each point's delay."""

    def __init__(self, host, port, run, stop):
        super().__init__(daemon=True)
        self.host, self.port, self.run_id, self.stop = host, port, run, stop
        self.delays, self.points, self.error = [], 0, None

    def run_stream(self):
        s = socket.create_connection((self.host, self.port), timeout=5)
        s.sendall(f"GET /api/runs/{self.run_id}/events HTTP/1.1\r\nHost: {self.host}\r\nAccept: text/event-stream\r\n\r\n".encode())
        buf = b""
        s.settimeout(1)
        while not self.stop.is_set():
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                continue
            if not chunk:
                break
            now = time.time()
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                if line.startswith(b"data: {\"points\"") or line.startswith(b"data: {\"points\":"):
                    try:
                        points = json.loads(line[6:])["points"]
                    except ValueError:
                        continue
                    for p in points:
                        if p.get("tag") == "train/loss":
                            self.points += 1
                            self.delays.append(now - p["wall_time"])
        s.close()

    def run(self):
        try:
            self.run_stream()
        except OSError as e:
            self.error = str(e)


def one(binary, viewers, steps, workdir):
    runs = tempfile.mkdtemp(dir=workdir)
    cmd = [binary, "train", "--preset", "s", "--steps", str(steps), "--log-interval", "1", "--eval-interval", str(steps),
           "--sample-interval", str(steps * 10), "--runs-dir", runs, "--serve", "--port", "0", "--json", "--no-tensorboard"]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    url = None
    while url is None:
        line = p.stderr.readline()
        if not line:
            raise SystemExit("the training ended before its studio started: " + p.stdout.read()[-500:])
        m = re.search(r"studio: (http://[^\s]+)", line)
        if m:
            url = m.group(1)
    m = re.match(r"http://([^:/]+):(\d+)/runs/(.+)", url)
    host, port, run = m.group(1), int(m.group(2)), m.group(3)
    studio = children(p.pid)
    idle = max(rss_mb(c) for c in studio) if studio else 0
    stop = threading.Event()
    readers = [Viewer(host, port, run, stop) for _ in range(viewers)]
    for r in readers:
        r.start()
    peak = idle
    studio_cpu0 = sum(cpu_seconds(c) for c in studio)
    client_cpu0 = time.process_time()
    rows = []
    for line in p.stdout:
        try:
            o = json.loads(line)
        except ValueError:
            continue
        if "step" in o and "elapsed_s" in o:
            rows.append(o)
            if len(rows) % 20 == 0:
                peak = max([peak] + [rss_mb(c) for c in children(p.pid)])
        if o.get("status"):
            break
    # The run is over and still served: give the viewers a moment to receive the last points, then stop all.
    time.sleep(1.5)
    studio_cpu = sum(cpu_seconds(c) for c in studio) - studio_cpu0
    client_cpu = time.process_time() - client_cpu0
    stop.set()
    p.send_signal(signal.SIGINT)
    p.wait(timeout=30)
    for r in readers:
        r.join(timeout=5)
    # Throughput over the middle of the run (from 10% of the steps to the end), from the trainer's own clock.
    a = next(r for r in rows if r["step"] >= steps // 10)
    b = rows[-1]
    rate = statistics.median(r["tokens_per_s"] for r in rows if r["step"] >= a["step"])
    delays = [d for r in readers for d in r.delays]
    errors = [r.error for r in readers if r.error]
    return {"tokens_per_s": rate, "delays": delays, "idle_mb": idle, "peak_mb": peak,
            "points": [r.points for r in readers], "errors": errors, "steps": b["step"],
            "studio_cpu_s": studio_cpu, "viewers_cpu_s": client_cpu, "train_wall_s": b["elapsed_s"]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--viewers", type=int, default=50)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--steps", type=int, default=400)
    ap.add_argument("--binary", default=".build/release/glassbox")
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="glassbox-viewers-")
    alone, watched = [], []
    for i in range(a.runs):
        alone.append(one(a.binary, 0, a.steps, work))
        watched.append(one(a.binary, a.viewers, a.steps, work))
        print(f"run {i + 1}: alone {alone[-1]['tokens_per_s']:.0f} tok/s, with {a.viewers} viewers {watched[-1]['tokens_per_s']:.0f} tok/s",
              file=sys.stderr)
    base = statistics.median(r["tokens_per_s"] for r in alone)
    seen = statistics.median(r["tokens_per_s"] for r in watched)
    delays = sorted(d for r in watched for d in r["delays"])
    memory = max(r["peak_mb"] - r["idle_mb"] for r in watched)
    complete = all(min(r["points"]) >= r["steps"] * 0.98 for r in watched)
    out = {
        "viewers": a.viewers, "runs": a.runs, "steps": a.steps,
        "tokens_per_s_alone": round(base), "tokens_per_s_watched": round(seen),
        "slowdown_percent": round(100 * (1 - seen / base), 2),
        "delivery_median_s": round(statistics.median(delays), 3) if delays else None,
        "delivery_worst_s": round(delays[-1], 3) if delays else None,
        "studio_memory_above_idle_mb": round(memory, 1),
        "every_viewer_got_every_point": complete,
        "viewer_errors": sum(len(r["errors"]) for r in watched),
        # Where the CPU went during a watched run (median over runs): the studio process, and these viewers
        # themselves (Python, on the same cores as the training unless run elsewhere).
        "studio_cpu_s_watched": round(statistics.median(r["studio_cpu_s"] for r in watched), 2),
        "studio_cpu_s_alone": round(statistics.median(r["studio_cpu_s"] for r in alone), 2),
        "viewers_cpu_s": round(statistics.median(r["viewers_cpu_s"] for r in watched), 2),
        "train_wall_s_watched": round(statistics.median(r["train_wall_s"] for r in watched), 1),
    }
    print(json.dumps(out, indent=2))
    print(f"{a.viewers} viewers: training at {seen / base:.3f}x its speed alone ({out['slowdown_percent']}% slower; goal < 5%), "
          f"delivery median {out['delivery_median_s']} s / worst {out['delivery_worst_s']} s (goal <= 1 / 3 s), "
          f"studio memory +{out['studio_memory_above_idle_mb']} MB (goal <= 64)")


if __name__ == "__main__":
    main()
