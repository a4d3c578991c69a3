#!/usr/bin/env python3
"""Turns bench/reliability.sh's figures (test results and `reliability:` lines) and a soak's JSON
into docs/reliability.md."""
import json, os, platform, subprocess, sys

figures_file, soak_file = sys.argv[1], sys.argv[2]
results, figures = {}, {}
for line in open(figures_file):
    parts = line.split()
    if parts[0] == "result":
        results[parts[1]] = (parts[2], parts[3])
    elif parts[0] == "figure":
        figures.setdefault(parts[1], {}).update(kv.split("=", 1) for kv in parts[2:])
soak = json.load(open(soak_file))

# case: (title, fault made, what janusd must do (the test's checks), figures shown, how the
# test was seen to fail)
CASES = [
    ("docker_kill", "docker kill of a container serving streams",
     "Four 4-second streams, two on each of a pool's two containers (`min_warm: 2`, health "
     "probes every 30 s so only Docker's events can tell); `docker kill` of one of them mid-stream.",
     "Only the killed container's two streams end early, each with one error frame and "
     "`data: [DONE]` (HTTP-complete); the other two run to their 40th token untouched. The stop is "
     "counted as reason `exited`, the log says `exited with status 137`, and the pool is back at "
     "`min_warm` (2 ready) within 5 s.",
     [("back_at_min_warm_ms", "pool back at min_warm after the kill", "ms"),
      ("streams_cut", "streams of the killed container (error frame + [DONE])", ""),
      ("streams_untouched", "streams of the other container, complete", "")],
     "Without the error frame in `chat_proxy::end_stream_with_error` the test fails (the killed "
     "streams end with `[DONE]` alone)."),
    ("docker_pause", "docker pause of a busy container",
     "A pool of two containers (probes every 500 ms, 1 s timeout, threshold 2, "
     "`stream_idle_timeout: 2s`) serving four streams, two per container, while another pool (`n`) "
     "gets a request every 100 ms; `docker pause` of one container of the first pool.",
     "The paused container's two streams end with an `upstream_timeout` error frame and `[DONE]` "
     "within 3.5 s (the 2 s silence limit); the other container's streams finish clean; the hung "
     "container is retired as `unhealthy` and replaced; every request of the other pool succeeds.",
     [("error_after_ms", "its streams ended after the pause", "ms"),
      ("replaced_after_ms", "replaced (pool at 2 ready, the paused one gone) after the pause", "ms"),
      ("bystander_requests", "requests of the other pool meanwhile", ""),
      ("bystander_failures", "of which failed", "")],
     "With failed probes never counted (`health_checker.cpp`) the paused container is never "
     "retired: the test fails (no replacement within 20 s)."),
    ("dockerd_restart", "dockerd restarted under light load",
     "A private dockerd of the test's own (own `--data-root`, `--exec-root`, `--pidfile`, unix "
     "socket, bridge `jt1NN` with `--iptables=false --ip-masq=false`; the shared engine is never "
     "touched), the baseline image loaded into it; janusd on its socket, one request every 200 ms; "
     "dockerd stopped (SIGTERM: it stops the containers), left down 8 s (start back-off grows to "
     "8 s), started again.",
     "Requests fail while the engine is down, none once the pool is back; the pool is back "
     "at `min_warm` within 5 s of dockerd answering.",
     [("recovery_ms", "pool back at min_warm after dockerd answered", "ms"),
      ("stop_ms", "dockerd's own stop", "ms"), ("start_ms", "dockerd's own start", "ms"),
      ("requests", "requests sent", ""), ("failed", "failed (engine down)", ""),
      ("failed_after_recovery", "failed once the pool was back", "")],
     "With the engine-up back-off reset disabled (`pool.cpp`, `engine_up_atom`) the pool did not "
     "come back within 20 s: the test fails."),
    ("sigkill", "janusd SIGKILLed under load and restarted",
     "Three streams in flight on a pool of two containers; janusd gets SIGKILL, then a new janusd "
     "starts with the same `engine_id` and configuration; later SIGKILL again and a changed "
     "configuration; finally SIGTERM.",
     "The cut streams end (the client sees the connection drop); the containers keep running; "
     "the restarted janusd adopts both (`adopting container` twice, no new container), serves from "
     "them; with a changed configuration the old ones are removed; after SIGTERM janusd exits 0 and "
     "no container labelled with its engine id remains.",
     [("restart_to_ready_ms", "restart to /ready (adopted)", "ms"),
      ("adopted", "containers adopted", ""),
      ("containers_left_after_sigterm", "containers left after the clean SIGTERM", "")],
     "With adoption disabled (`judge()` refusing every container) the test fails: new containers "
     "are started instead."),
    ("poison", "poison requests and slow whole answers",
     "A pool of four containers (`max_retries: 2`, `first_byte_timeout: 300ms`); 12 requests whose "
     "container reads them and closes without answering (6 one after another, 6 at once), then 3 "
     "whole answers slower than `first_byte_timeout`. Generations are counted on the baseline side "
     "(each child's `/_baseline/stats`).",
     "Poison requests get 502 `upstream_error`, slow ones 504 `upstream_timeout`; each request "
     "reached a model exactly once (15 generations for 15 requests, no retry counted); the same four "
     "processes serve on, none stopped as `failing`.",
     [("requests", "requests", ""), ("generations", "generations on the baseline side", ""),
      ("retries", "retries counted", ""), ("containers_kept", "containers kept", ""),
      ("failing_stops", "containers retired as failing", "")],
     "Re-sending requests that failed after they were written (`chat_proxy.cpp`) makes 45 "
     "generations of 15 requests: the test fails."),
    ("low_fd", "a low fd limit on janusd",
     "janusd's soft `RLIMIT_NOFILE` lowered with prlimit(2) to its open descriptors + 4, then "
     "connections opened until one is not accepted; chat requests sent on an already served "
     "connection; then the limit restored.",
     "janusd logs `ran out of file descriptors`, does not spin (CPU while idle), keeps serving the "
     "connections it has; a chat request that needs a container connection gets an OpenAI error "
     "body (no hang, no crash) and no container is blamed for janusd's own shortage; once the "
     "limit is back the waiting connection is accepted and chat requests are served again.",
     [("idle_cpu_ms", "CPU used in 1 s out of descriptors", "ms"),
      ("answers_per_s", "answers per second on a served connection meanwhile", ""),
      ("chat_refused_status", "status of a chat request out of descriptors", ""),
      ("chat_refused_code", "its error code", "")],
     "Counting janusd's EMFILE on connect as the container's refusal (`is_own_trouble` false) "
     "retires the container: the test fails."),
    ("idle_connections", "2,000 idle keep-alive connections",
     "2,000 client connections, each served one request and then left idle (keep-alive).",
     "janusd holds them all, a fresh chat request on a new connection is answered at once, the "
     "oldest and newest idle connections are still served, and once they close janusd's "
     "descriptors are back to where they were.",
     [("bytes_per_connection", "janusd memory per idle connection (RSS delta / 2,000)", "bytes"),
      ("rss_before_kib", "RSS before", "KiB"), ("rss_idle_kib", "RSS with 2,000 idle", "KiB"),
      ("fresh_request_ms", "a fresh request meanwhile", "ms")],
     "With `server.max_connections` defaulting to 1,000 the test fails at connection 1,000."),
]

def git(*args):
    try:
        return subprocess.run(["git", "-C", os.path.dirname(os.path.abspath(__file__)), *args],
                              capture_output=True, text=True).stdout.strip()
    except Exception:
        return "?"

out = []
w = out.append
w("# Reliability\n")
w("Written by `bench/reliability.sh` (do not edit by hand): each case of the fault suite run "
  "against real parts (the real janusd, real dockerd, real janus-baseline containers and "
  "processes, real HTTP on loopback), what janusd did, and its figures; then the soak. Build "
  "`%s`, kernel %s, %d cores (shared: figures of time are of a busy machine)." %
  (git("describe", "--always", "--dirty"), platform.release(), os.cpu_count()))
w("")
w("Every case is an integration test that ctest runs (each bounded well under 60 s, the soak "
  "excepted); each was seen to fail against the defect it guards (its \"Can fail\" line: the defect put back "
  "locally, the test run, the test failing).\n")
w("| case | test | result | figures |")
w("|---|---|---|---|")
for key, title, _, _, shown, _ in CASES:
    result, test = results.get(key, ("not run", "?"))
    f = figures.get(key, {})
    text = "; ".join("%s %s%s" % (label, f.get(name, "?"), (" " + unit) if unit else "")
                     for name, label, unit in shown[:2])
    w("| %s | `%s` | %s | %s |" % (title, test, result, text))
w("")
for key, title, fault, did, shown, fails in CASES:
    result, test = results.get(key, ("not run", "?"))
    f = figures.get(key, {})
    w("## %s\n" % (title[0].upper() + title[1:]))
    w("Test: `%s` (%s).\n" % (test, result))
    w("- Fault: " + fault)
    w("- janusd: " + did)
    w("- Can fail: " + fails + "\n")
    w("| figure | value |")
    w("|---|---:|")
    for name, label, unit in shown:
        w("| %s | %s%s |" % (label, f.get(name, "?"), (" " + unit) if unit else ""))
    w("")

s = soak
w("## Soak (`bench/soak.sh %g`)\n" % s["minutes"])
w("%g minutes, runtime %s, %s closed-loop clients on loopback: 70 %% streams (4 to 40 tokens 20 ms "
  "apart), 30 %% whole answers, a fifth of the streams hung up by the client after 1 to 6 frames; "
  "two models (`min_warm: 2`, `max_containers: 4`, `max_concurrency: 4`); a container killed "
  "every 60 s and a pool drained (`POST /admin/pools/{model}/drain`) every 60 s in between; "
  "janusd's RSS and descriptors sampled every 10 s. `bench/soak.sh 30` is the release run.\n"
  % (s["minutes"], s["runtime"], s["clients"]))
w("janusd: `%s`. A failed request is matched to a kill by the `x-janus-container` of its answer "
  "and the time (within 15 s after the kill); a whole answer cut by a kill gets `502` before any "
  "container header, so it is matched by the time alone.\n" % s.get("janusd_version", "?"))
w("| measure | value | goal |")
w("|---|---:|---|")
w("| requests | %d | – |" % s["requests"])
for k, v in sorted(s["outcomes"].items()):
    w("| … outcome `%s` | %d | – |" % (k, v))
w("| containers killed / pools drained | %d / %d | – |" % (s["kills"], s["drains"]))
w("| RSS after warm-up (%.0f s) → end (max) | %d → %d KiB (%d) | – |"
  % (s["warm_up_s"], s["rss_kib_at_warm_up_end"], s["rss_kib_at_end"], s["rss_kib_max"]))
w("| RSS growth after warm-up | %.2f %% | < 5 %% |" % s["rss_growth_percent"])
w("| descriptors before load / max under load / after load | %d / %d / %d | after = before |"
  % (s["fds_before_load"], s["fds_max_under_load"], s["fds_after_load"]))
w("| failed requests (not `ok`, not hung up by the client) | %d | each explained by a kill |" % s["failed"])
for k, v in sorted({"unexplained": 0, **s["failed_explained"]}.items()):
    w("| … %s | %d | %s |" % (k, v, "0" if k == "unexplained" else "–"))
w("| janusd exit after SIGTERM; containers left | %s; %s | 0; 0 |"
  % (s["janusd_exit"], s["containers_left_after_sigterm"]))
w("")
w("RSS and descriptors over the run (every 10 s):\n")
w("| t s | RSS KiB | fds | phase |")
w("|---:|---:|---:|---|")
for x in s["samples"]:
    w("| %.0f | %d | %d | %s |" % (x["t"], x["rss_kib"], x["fds"], x["phase"]))
w("")
w("## How to run\n")
w("- `bench/reliability.sh` runs the cases and a 10-minute soak and rewrites this file "
  "(`--soak 30` for the release soak, `--soak-from FILE.json` to reuse a soak's figures).")
w("- The cases alone: `ctest --test-dir build -R 'docker_faults|killed_while|sigkill_under|"
  "poison|descriptors|two_thousand' --output-on-failure`.")
w("- The soak alone: `bench/soak.sh [MINUTES] [--md FILE] [--json FILE]` (not in ctest).")
w("- The long variants (label `long`; they skip unless `JANUS_LONG_TESTS=1`, so the default run "
  "and CI stay short): `JANUS_LONG_TESTS=1 ctest --test-dir build -L long --output-on-failure` "
  "(dockerd down for 45 s, so the start back-off reaches 32 s before it is reset).")
print("\n".join(out))
