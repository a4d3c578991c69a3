#!/usr/bin/env python3
"""Turns bench/run.sh's raw results into docs/benchmarks.md: medians of the repetitions."""
import json, os, platform, statistics, subprocess, sys

raw, micro, secs, reps = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
sections = sys.argv[5:]  # markdown sections of bench/coldstart.sh, warmpool.sh, scale.sh
rows = [json.loads(l) for l in open(raw)]
tick = os.sysconf("SC_CLK_TCK")

def med(xs):
    return statistics.median(xs) if xs else float("nan")

def cpu_model():
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "?"

plain, stream, prefill = {}, {}, {}
for r in rows:
    key = (r["system"], r["c"])
    x = r["r"]
    if r["kind"] == "plain":
        cpu_us = r["cpu_ticks"] / tick * 1e6 / max(1, x["rps"] * r["secs"])
        plain.setdefault(key, []).append((x["rps"], x["p50_us"], x["p99_us"], cpu_us, x["errors"]))
    else:
        table = stream if r["kind"] == "stream" else prefill
        table.setdefault(key, []).append((x["request_throughput"], x["median_ttft_ms"],
                                          x["p99_ttft_ms"], x["median_e2el_ms"], x["failed"]))

SYSTEMS = ("direct", "janusd", "nginx", "haproxy")

def haproxy_version():
    try:
        out = subprocess.run(["haproxy", "-v"], capture_output=True, text=True, timeout=5).stdout
        return out.split()[2]
    except Exception:  # noqa
        return "?"

def m(table, key, i):
    return med([v[i] for v in table.get(key, [])])

out = []
w = out.append
targets = []  # (measure, value, goal, met) of every target, for the summary at the top
w("# Benchmarks\n")
w("Written by `bench/run.sh` (do not edit by hand). Medians of %s repetitions; in every repetition the "
  "four systems run in turn, so a noisy neighbour hits them alike.\n" % reps)
w("## Machine\n")
w("- nproc: %d, CPU: %s" % (os.cpu_count(), cpu_model()))
w("- kernel: %s, %s" % (platform.release(), platform.platform()))
w("- janusd: `server.threads: 1`, one CAF scheduler thread; nginx: 1 worker, keepalive upstream, "
  "`proxy_buffering off`; HAProxy (%s): `nbthread 1`, `http-reuse always`, `option http-no-delay`, keep-alive upstream\n"
  % haproxy_version())
w("## Setup\n")
w("janusd (bench/janusd.yaml) starts one janus-baseline container (process backend, "
  "max_concurrency 256). `direct`, `nginx` (bench/nginx.conf.in) and `haproxy` (bench/haproxy.cfg.in) "
  "are pointed at that same process (its PORT read from /proc/<pid>/environ), so all four share one "
  "upstream and differ only in the proxy in front.\n")
w("- non-stream: `wrk -t1 -cC -d%gs -s bench/post.lua URL/v1/chat/completions` (16-token answer)" % secs)
w("- stream: `janus-bench -cC -d%gs --stream --max-tokens 8 --baseline-tokens --body-extra "
  "'{\"janus_baseline\":{\"token_delay_ms\":5}}' URL` (8 tokens, each 5 ms after the one before; "
  "TTFT is janus-bench's time to the first content chunk, so it is the first token's 5 ms plus the "
  "transport's and the proxy's time)" % secs)
w("- stream with prefill: the same with `\"first_token_delay_ms\":20` (a model that takes 20 ms to "
  "its first token, as a small real model does); the TTFT target is checked on this one")
w("- CPU µs/request: user+sys ticks of the proxy process (of the baseline for `direct`) over the run / requests\n")

w("## Non-stream (wrk)\n")
w("| c | system | req/s | p50 µs | p99 µs | CPU µs/req | errors |")
w("|---|---|---:|---:|---:|---:|---:|")
for c in (1, 16, 64):
    for s in SYSTEMS:
        k = (s, c)
        w("| %d | %s | %.0f | %.0f | %.0f | %.1f | %d |" % (c, s, m(plain, k, 0), m(plain, k, 1),
          m(plain, k, 2), m(plain, k, 3), sum(v[4] for v in plain.get(k, []))))
w("")
for title, table in (("Stream (janus-bench), first token after 5 ms", stream),
                     ("Stream (janus-bench), 20 ms to the first token", prefill)):
    w("## %s\n" % title)
    if not table:
        w("(not run: `--plain-only`)\n")
        continue
    w("| c | system | req/s | TTFT median ms | TTFT p99 ms | E2EL median ms | errors |")
    w("|---|---|---:|---:|---:|---:|---:|")
    for c in (1, 16, 64):
        for s in SYSTEMS:
            k = (s, c)
            w("| %d | %s | %.0f | %.3f | %.3f | %.3f | %d |" % (c, s, m(table, k, 0), m(table, k, 1),
              m(table, k, 2), m(table, k, 3), sum(v[4] for v in table.get(k, []))))
    w("")
w("## Ratios and targets\n")
w("| measure | value | goal | met |")
w("|---|---:|---|---|")
def row(name, value, goal, ok):
    met = "yes" if ok else "**no**"
    targets.append((name, value, goal, met))
    w("| %s | %s | %s | %s |" % (name, value, goal, met))
for c in (1, 16, 64):
    j, d = m(plain, ("janusd", c), 0), m(plain, ("direct", c), 0)
    for other in ("nginx", "haproxy"):
        o = m(plain, (other, c), 0)
        row("throughput janusd/%s, c=%d" % (other, c), "%.2f×" % (j / o), "≥ 1.0×", j / o >= 1.0)
    w("| throughput janusd/direct, c=%d | %.2f× | (info) | |" % (c, j / d))
added = m(plain, ("janusd", 1), 1) - m(plain, ("direct", 1), 1)
row("added p50 latency over direct, c=1", "%.0f µs" % added, "≤ 150 µs", added <= 150)
for other in ("nginx", "haproxy"):
    added_o = m(plain, (other, 1), 1) - m(plain, ("direct", 1), 1)
    w("| (%s: added p50 over direct, c=1) | %.0f µs | (info) | |" % (other, added_o))
def ttft(table, s, c):
    return m(table, (s, c), 1)
for c in ((1, 16, 64) if prefill else ()):
    t = ttft(prefill, "janusd", c) / ttft(prefill, "direct", c)
    row("stream TTFT median janusd/direct (20 ms to first token), c=%d" % c,
        "%.3f× (+%.0f µs)" % (t, 1000 * (ttft(prefill, "janusd", c) - ttft(prefill, "direct", c))),
        "≤ 1.05×", t <= 1.05)
for c in ((1, 16, 64) if stream else ()):
    for s in ("janusd", "nginx", "haproxy"):
        t = ttft(stream, s, c) / ttft(stream, "direct", c)
        w("| (%s: stream TTFT median/direct, first token after 5 ms, c=%d) | %.2f× (+%.0f µs) | (info) | |" %
          (s, c, t, 1000 * (ttft(stream, s, c) - ttft(stream, "direct", c))))
w("")
w("With the first token 5 ms after the request, the µs a proxy adds are the rows' \"+N µs\" (nginx's "
  "and HAProxy's too). The target is checked against a model that takes 20 ms to its first token, where those µs "
  "are what they are to a user.\n")
w("## In-process micro-benchmarks (Google Benchmark, `build/bin/janus_bench_micro`)\n")
try:
    text = open(micro).read()
    data = json.loads(text[text.index("{"):])  # skip log lines before the JSON
    w("| benchmark | time/iteration | goal |")
    w("|---|---:|---|")
    for b in data.get("benchmarks", []):
        if b.get("aggregate_name", "median") != "median":
            continue
        name, t, unit = b["name"], b["real_time"], b["time_unit"]
        goal = ""
        if name.startswith("lease_fast_path"):
            goal = "≤ 5 µs (what a request pays when a slot is free)"
            us = t / 1000 if unit == "ns" else t
            targets.append(("lease acquire+release (%s)" % name.replace("_median", ""),
                            "%.2f µs" % us, "≤ 5 µs", "yes" if us <= 5 else "**no**"))
        elif name.startswith("lease_via_pool_actor"):
            goal = "(info: queued and cold requests, two thread hops)"
        w("| %s | %.0f %s | %s |" % (name, t, unit, goal))
except Exception as e:  # noqa
    w("(not run: %s)" % e)
w("")
for path in sections:
    try:
        text = open(path).read().strip()
    except OSError as e:
        w("(a section is missing: %s)\n" % e)
        continue
    w(text + "\n")
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.replace(" ", "") == "|measure|value|goal|met|":
            for body in lines[i + 2:]:
                if not body.startswith("|"):
                    break
                cells = [c.strip() for c in body.strip().strip("|").split("|")]
                if len(cells) == 4 and cells[3]:
                    if cells[3] == "no":
                        cells[3] = "**no**"
                    targets.append(tuple(cells))
w("## Commands\n")
import time
started = float(os.environ.get("BENCH_STARTED", time.time()))
w("```sh\nbench/run.sh            # everything: this run took %d min\nbench/run.sh --reps 5 --secs 5\n```" %
  max(1, round((time.time() - started) / 60)))
summary = ["## Targets at a glance\n", "| measure | value | goal | met |", "|---|---:|---|---|"]
summary += ["| %s | %s | %s | %s |" % t for t in targets]
summary.append("")
summary.append("Why janusd is behind where it is (profiles with perf and strace): "
               "[bench/README.md](../bench/README.md#what-the-figures-show).\n")
at = out.index("## Machine\n")
print("\n".join(out[:at] + summary + out[at:]))
