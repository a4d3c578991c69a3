#!/usr/bin/env bash
# Runs the OpenAI SDK end-to-end tests against a real janusd: installs the SDK from the npm
# registry when missing, starts janusd (binaries from $1, default build/bin) with an echo model,
# one that boots slowly (no warm container: a stream waits, with SSE keep-alive comments),
# an agent model whose platform LLM is another janus-baseline, an upstream-only model whose
# direct deployment is that same janus-baseline, and a client API key, on free
# loopback ports, runs `node --test`, stops janusd. Exit 77 = skipped (no node/npm outside CI);
# in CI (CI=true) a missing tool is a failure.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=$(cd "${1:-$here/../../build/bin}" && pwd)

missing() {
  echo "e2e: $1" >&2
  if [ "${CI:-}" = "true" ]; then exit 1; fi
  exit 77
}
command -v node > /dev/null || missing "node is not installed"
command -v npm > /dev/null || missing "npm is not installed"

cd "$here"
if ! node -e "require('./node_modules/openai/package.json')" 2> /dev/null; then
  npm install --no-package-lock --no-audit --no-fund --loglevel=error > /dev/null \
    || missing "npm install of the openai SDK failed"
fi

work=$(mktemp -d)
free_port() {
  node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}
port=$(free_port)
llm_port=$(free_port)
# The platform's LLM: another janus-baseline, which accepts only the credential janusd injects.
PORT=$llm_port HOST=127.0.0.1 JANUS_BASELINE_MODEL=platform-llm JANUS_BASELINE_TOKENS=6 \
  JANUS_BASELINE_REQUIRE_AUTHORIZATION="Bearer e2e-llm-secret" \
  "$bin/janus-baseline" > "$work/llm.log" 2>&1 &
llm=$!
# Client API keys on: the SDK sends its apiKey as the bearer token.
api_key="sk-e2e-$(node -e "console.log(require('crypto').randomBytes(8).toString('hex'))")"
cat > "$work/janusd.yaml" <<YAML
server:
  listen: "127.0.0.1:$port"
  threads: 2
  sse_keepalive: 200ms
platform:
  routes:
    /v1/chat/completions:
      upstream: "http://127.0.0.1:$llm_port/v1/chat/completions"
      headers:
        Authorization: {env: JANUS_E2E_LLM_KEY, prefix: "Bearer "}
auth:
  api_keys_env: JANUS_E2E_API_KEYS
models:
  baseline:
    command: ["janus-baseline"]
    env:
      JANUS_BASELINE_TOKENS: "6"
    min_warm: 1
    max_containers: 2
  agent:
    command: ["janus-baseline"]
    env:
      JANUS_BASELINE_MODE: agent
    min_warm: 1
    max_containers: 1
  slow:
    command: ["janus-baseline"]
    env:
      JANUS_BASELINE_TOKENS: "6"
      JANUS_BASELINE_STARTUP_DELAY_MS: "1200"
    min_warm: 0
    max_containers: 1
  direct:
    upstream: "http://127.0.0.1:$llm_port/v1/chat/completions"
    fallback:
      api_key_env: JANUS_E2E_LLM_KEY
YAML
JANUS_E2E_LLM_KEY=e2e-llm-secret JANUS_E2E_API_KEYS="$api_key" "$bin/janusd" --config "$work/janusd.yaml" > "$work/janusd.log" 2>&1 &
janusd=$!
cleanup() {
  kill -TERM "$janusd" "$llm" 2> /dev/null || true
  wait "$janusd" 2> /dev/null || true
  wait "$llm" 2> /dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

for _ in $(seq 100); do
  if curl -fs "http://127.0.0.1:$port/ready" > /dev/null; then break; fi
  sleep 0.1
done
status=0
JANUSD_URL="http://127.0.0.1:$port" JANUSD_LOG="$work/janusd.log" JANUSD_API_KEY="$api_key" node --test "$here"/*.test.mjs || status=$?
if [ $status -ne 0 ]; then
  echo "--- janusd log ---" >&2
  cat "$work/janusd.log" >&2
fi
exit $status
