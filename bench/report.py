#!/usr/bin/env python3
"""Turns bench/run.sh's raw results into docs/benchmarks.md: medians of the repetitions."""
import json, os, platform, statistics, subprocess, sys

raw, micro, secs, reps = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
rows = [json.loads(l) for l in open(raw)]
tick = os.sysconf("SC_CLK_TCK")

def med(xs):
    return statistics.median(xs) if xs else float("nan")

def cpu_model():
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "?"

plain, stream = {}, {}
for r in rows:
    key = (r["system"], r["c"])
    if r["kind"] == "plain":
        x = r["r"]
        cpu_us = r["cpu_ticks"] / tick * 1e6 / max(1, x["rps"] * r["secs"])
        plain.setdefault(key, []).append((x["rps"], x["p50_us"], x["p99_us"], cpu_us, x["errors"]))
    else:
        x = r["r"]
        stream.setdefault(key, []).append((x["ok_per_s"], x["ttft_ms"]["p50"], x["ttft_ms"]["p99"],
                                           x["total_ms"]["p50"], x["errors"]))

def m(table, key, i):
    return med([v[i] for v in table.get(key, [])])

out = []
w = out.append
w("# Benchmarks\n")
w("Written by `bench/run.sh` (do not edit by hand). Medians of %s repetitions; in every repetition the "
  "three systems run in turn, so a noisy neighbour hits them alike.\n" % reps)
w("## Machine\n")
w("- nproc: %d, CPU: %s" % (os.cpu_count(), cpu_model()))
w("- kernel: %s, %s" % (platform.release(), platform.platform()))
w("- janusd: `server.threads: 1`, one CAF scheduler thread; nginx: 1 worker, keepalive upstream, "
  "`proxy_buffering off`\n")
w("## Setup\n")
w("janusd (bench/janusd.yaml) starts one janus-baseline container (process backend, "
  "max_concurrency 256). `direct` and `nginx` are pointed at that same process (its PORT read from "
  "/proc/<pid>/environ), so all three share one upstream and differ only in the proxy in front.\n")
w("- non-stream: `wrk -t1 -cC -d%gs -s bench/post.lua URL/v1/chat/completions` (16-token answer)" % secs)
w("- stream: `janus-bench -cC -d%gs --stream --max-tokens 8 --baseline-tokens --body-extra "
  "'{\"janus_baseline\":{\"token_delay_ms\":5}}' URL` (8 tokens, 5 ms apart: TTFT ~5 ms)" % secs)
w("- CPU µs/request: user+sys ticks of the proxy process (of the baseline for `direct`) over the run / requests\n")

w("## Non-stream (wrk)\n")
w("| c | system | req/s | p50 µs | p99 µs | CPU µs/req | errors |")
w("|---|---|---:|---:|---:|---:|---:|")
for c in (1, 16, 64):
    for s in ("direct", "janusd", "nginx"):
        k = (s, c)
        w("| %d | %s | %.0f | %.0f | %.0f | %.1f | %d |" % (c, s, m(plain, k, 0), m(plain, k, 1),
          m(plain, k, 2), m(plain, k, 3), sum(v[4] for v in plain.get(k, []))))
w("")
w("## Stream (janus-bench)\n")
w("| c | system | req/s | TTFT p50 ms | TTFT p99 ms | total p50 ms | errors |")
w("|---|---|---:|---:|---:|---:|---:|")
for c in (1, 16, 64):
    for s in ("direct", "janusd", "nginx"):
        k = (s, c)
        w("| %d | %s | %.0f | %.3f | %.3f | %.3f | %d |" % (c, s, m(stream, k, 0), m(stream, k, 1),
          m(stream, k, 2), m(stream, k, 3), sum(v[4] for v in stream.get(k, []))))
w("")
w("## Ratios and targets\n")
w("| measure | value | goal | met |")
w("|---|---:|---|---|")
def row(name, value, goal, ok):
    w("| %s | %s | %s | %s |" % (name, value, goal, "yes" if ok else "**no**"))
for c in (1, 16, 64):
    j, n, d = m(plain, ("janusd", c), 0), m(plain, ("nginx", c), 0), m(plain, ("direct", c), 0)
    row("throughput janusd/nginx, c=%d" % c, "%.2f×" % (j / n), "≥ 1.0×", j / n >= 1.0)
    w("| throughput janusd/direct, c=%d | %.2f× | (info) | |" % (c, j / d))
added = m(plain, ("janusd", 1), 1) - m(plain, ("direct", 1), 1)
row("added p50 latency over direct, c=1", "%.0f µs" % added, "≤ 150 µs", added <= 150)
added_n = m(plain, ("nginx", 1), 1) - m(plain, ("direct", 1), 1)
w("| (nginx: added p50 over direct, c=1) | %.0f µs | (info) | |" % added_n)
for c in (1, 16, 64):
    t = m(stream, ("janusd", c), 1) / m(stream, ("direct", c), 1)
    row("stream TTFT p50 janusd/direct, c=%d" % c, "%.3f× (+%.0f µs)" % (t, 1000 * (m(stream, ("janusd", c), 1) - m(stream, ("direct", c), 1))), "≤ 1.05×", t <= 1.05)
w("")
w("TTFT here is the time to the first SSE data frame (the baseline's role frame comes at once, before "
  "the first 5 ms token delay), so it is the proxy's added latency on a sub-millisecond base; against "
  "a model whose first token takes tens of ms the same added µs are a ratio near 1.0.\n")
w("## In-process micro-benchmarks (Google Benchmark, `build/bin/janus_bench_micro`)\n")
try:
    text = open(micro).read()
    data = json.loads(text[text.index("{"):])  # skip log lines before the JSON
    w("| benchmark | time/iteration | goal |")
    w("|---|---:|---|")
    for b in data.get("benchmarks", []):
        if b.get("aggregate_name", "median") != "median":
            continue
        goal = "≤ 5 µs" if "lease" in b["name"] else ""
        w("| %s | %.0f %s | %s |" % (b["name"], b["real_time"], b["time_unit"], goal))
except Exception as e:  # noqa
    w("(not run: %s)" % e)
w("")
w("## Commands\n")
w("```sh\nbench/run.sh            # everything, ~%d min\nbench/run.sh --reps 5 --secs 5\n```" %
  max(1, round((int(reps) * 18 * (secs + 0.5) + 30) / 60)))
print("\n".join(out))
