-- wrk: POST one chat-completions request (non-stream) on every call.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"model":"baseline","messages":[{"role":"user","content":"Hello from bench"}]}'
done = function(summary, latency, requests)
  io.write(string.format("JSON {\"rps\":%.1f,\"p50_us\":%d,\"p99_us\":%d,\"errors\":%d}\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50), latency:percentile(99),
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
