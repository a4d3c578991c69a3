// The platform endpoint end to end through the official OpenAI SDK: client -> janusd -> the
// agent-mode janus-baseline (process runtime) -> its platform endpoint -> the platform LLM
// (another janus-baseline that accepts only the credential janusd injects) and back.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import OpenAI from "openai";

const base = process.env.JANUSD_URL;
const logFile = process.env.JANUSD_LOG;
assert.ok(base && logFile, "JANUSD_URL and JANUSD_LOG must be set (run through run.sh)");
const client = new OpenAI({ baseURL: `${base}/v1`, apiKey: process.env.JANUSD_API_KEY, maxRetries: 0, timeout: 20_000 });

async function logLine(pattern) {
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    const line = readFileSync(logFile, "utf8").split("\n").find((l) => pattern.test(l));
    if (line) {
      return line;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail(`no log line matches ${pattern}`);
}

async function sample(name, labels) {
  const page = await (await fetch(`${base}/metrics`)).text();
  const line = page.split("\n").find((l) => l.startsWith(`${name}{${labels}} `));
  return line === undefined ? undefined : Number(line.split(" ").pop());
}

test("an agent's answer comes from the platform LLM as a stream, with the credential injected", async () => {
  const { data: stream, response } = await client.chat.completions
    .create(
      { model: "agent", messages: [{ role: "user", content: "tell me about the platform" }], stream: true },
      { headers: { "x-request-id": "sdk-agent-1" } },
    )
    .withResponse();
  assert.equal(response.headers.get("x-request-id"), "sdk-agent-1");
  let text = "";
  let chunks = 0;
  let model = null;
  let finish = null;
  for await (const chunk of stream) {
    chunks += 1;
    model = chunk.model;
    if (chunk.choices.length > 0) {
      text += chunk.choices[0].delta.content ?? "";
      finish = chunk.choices[0].finish_reason ?? finish;
    }
  }
  // The platform LLM (JANUS_BASELINE_MODEL=platform-llm) answered: it answers 401 to anything
  // but the injected "Bearer e2e-llm-secret", so the credential arrived.
  assert.equal(model, "platform-llm");
  assert.equal(text, "tell me about the platform tell");
  assert.equal(finish, "stop");
  assert.ok(chunks >= 8, `expected role, 6 tokens and finish chunks, got ${chunks}`);

  // Both hops are logged with the request id, and counted.
  const chat = await logLine(/chat request.*request_id=sdk-agent-1/);
  assert.match(chat, /model=agent/);
  const call = await logLine(/platform call.*request_id=sdk-agent-1/);
  assert.match(call, /model=agent/);
  assert.match(call, /route=\/v1\/chat\/completions/);
  assert.match(call, /status=200/);
  assert.ok((await sample("janus_requests_total", 'model="agent",code="200"')) >= 1);
  assert.ok(
    (await sample("janus_platform_requests_total", 'model="agent",route="/v1/chat/completions",code="200"')) >= 1,
  );
});
