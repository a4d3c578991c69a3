// janusd through the official OpenAI SDK: what a user's code sees. run.sh starts janusd with an
// echo model ("baseline", janus-baseline), one that boots in 1.2 s and has no warm container
// ("slow", under sse_keepalive 200ms), an agent model (platform_agent.test.mjs), an
// upstream-only model ("direct", whose upstream is the platform LLM's janus-baseline) and a client
// API key, and passes its address in JANUSD_URL and the key in JANUSD_API_KEY.
import assert from "node:assert/strict";
import { test } from "node:test";
import OpenAI from "openai";

const base = process.env.JANUSD_URL;
assert.ok(base, "JANUSD_URL must be set (run through run.sh)");
const apiKey = process.env.JANUSD_API_KEY;
assert.ok(apiKey, "JANUSD_API_KEY must be set (run through run.sh)");
const client = new OpenAI({ baseURL: `${base}/v1`, apiKey, maxRetries: 0, timeout: 20_000 });
const messages = [{ role: "user", content: "hello from the sdk" }];

async function inflight() {
  const page = await (await fetch(`${base}/metrics`)).text();
  const line = page.split("\n").find((l) => l.startsWith('janus_pool_inflight_requests{model="baseline"}'));
  return Number(line.split(" ").pop());
}

test("a plain completion has OpenAI's shape and the echo answer", async () => {
  const completion = await client.chat.completions.create({ model: "baseline", messages });
  assert.match(completion.id, /^chatcmpl-/);
  assert.equal(completion.object, "chat.completion");
  assert.equal(completion.choices[0].message.role, "assistant");
  assert.equal(completion.choices[0].message.content, "hello from the sdk hello from");
  assert.equal(completion.choices[0].finish_reason, "stop");
  assert.equal(completion.usage.completion_tokens, 6);
});

test("a streamed completion arrives chunk by chunk and ends with usage", async () => {
  const stream = await client.chat.completions.create({
    model: "baseline", messages, stream: true, stream_options: { include_usage: true },
  });
  let text = "";
  let chunks = 0;
  let finish = null;
  let usage = null;
  for await (const chunk of stream) {
    chunks += 1;
    if (chunk.choices.length > 0) {
      text += chunk.choices[0].delta.content ?? "";
      finish = chunk.choices[0].finish_reason ?? finish;
    }
    usage = chunk.usage ?? usage;
  }
  assert.equal(text, "hello from the sdk hello from");
  assert.equal(finish, "stop");
  assert.equal(usage.completion_tokens, 6);
  assert.ok(chunks >= 8, `expected role, 6 tokens, finish and usage chunks, got ${chunks}`);
});

test("a stream that waits for a slow cold start comes through the keep-alive comments", async () => {
  const sent = Date.now();
  const { data: stream, response } = await client.chat.completions
    .create({ model: "slow", messages, stream: true })
    .withResponse();
  const headAfter = Date.now() - sent;
  // The head came while the container was booting: which one serves it is not known yet.
  assert.ok(headAfter < 900, `the head came after ${headAfter} ms`);
  assert.equal(response.headers.get("content-type"), "text/event-stream");
  assert.equal(response.headers.get("x-janus-container"), null);
  let text = "";
  let firstTokenAfter = null;
  let finish = null;
  for await (const chunk of stream) {
    if (chunk.choices.length > 0) {
      firstTokenAfter ??= Date.now() - sent;
      text += chunk.choices[0].delta.content ?? "";
      finish = chunk.choices[0].finish_reason ?? finish;
    }
  }
  assert.ok(firstTokenAfter >= 1200, `the container was not cold (first token after ${firstTokenAfter} ms)`);
  assert.equal(text, "hello from the sdk hello from");
  assert.equal(finish, "stop");
});

test("the response carries janusd's request id and start kind", async () => {
  const { response } = await client.chat.completions
    .create({ model: "baseline", messages }, { headers: { "x-request-id": "sdk-test-1" } })
    .withResponse();
  assert.equal(response.headers.get("x-request-id"), "sdk-test-1");
  assert.match(response.headers.get("x-janus-start"), /^(warm|prewarmed|cold)$/);
});

test("models lists the configured models", async () => {
  const ids = [];
  for await (const model of client.models.list()) {
    ids.push(model.id);
  }
  assert.deepEqual(ids, ["baseline", "agent", "slow", "direct"]);
});

test("an upstream-only model is served by its direct deployment, whole and streamed", async () => {
  const { data: completion, response } = await client.chat.completions
    .create({ model: "direct", messages })
    .withResponse();
  assert.equal(response.headers.get("x-janus-start"), "fallback");
  assert.equal(completion.model, "platform-llm", "answered by the direct deployment");
  assert.equal(completion.choices[0].message.content, "hello from the sdk hello from");
  const stream = await client.chat.completions.create({ model: "direct", messages, stream: true });
  let text = "";
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta.content ?? "";
  }
  assert.equal(text, "hello from the sdk hello from");
});

test("an unknown model is the SDK's NotFoundError with janusd's code", async () => {
  await assert.rejects(client.chat.completions.create({ model: "no-such-model", messages }), (err) => {
    assert.ok(err instanceof OpenAI.NotFoundError, `got ${err.constructor.name}`);
    assert.equal(err.status, 404);
    assert.equal(err.code, "model_not_found");
    return true;
  });
});

test("a wrong API key is the SDK's AuthenticationError with invalid_api_key", async () => {
  const stranger = new OpenAI({ baseURL: `${base}/v1`, apiKey: "sk-wrong", maxRetries: 0 });
  await assert.rejects(stranger.chat.completions.create({ model: "baseline", messages }), (err) => {
    assert.ok(err instanceof OpenAI.AuthenticationError, `got ${err.constructor.name}`);
    assert.equal(err.status, 401);
    assert.equal(err.code, "invalid_api_key");
    return true;
  });
});

test("an invalid request is the SDK's BadRequestError naming the field", async () => {
  await assert.rejects(client.chat.completions.create({ model: "baseline", messages: [] }), (err) => {
    assert.ok(err instanceof OpenAI.BadRequestError, `got ${err.constructor.name}`);
    assert.equal(err.param, "messages");
    return true;
  });
});

test("aborting a stream mid-way frees the container slot", async () => {
  const controller = new AbortController();
  const stream = await client.chat.completions.create(
    {
      model: "baseline", messages, stream: true,
      janus_baseline: { tokens: 400, token_delay_ms: 20 },
    },
    { signal: controller.signal },
  );
  let seen = 0;
  try {
    for await (const chunk of stream) {
      seen += 1;
      if (seen === 3) {
        assert.equal(await inflight(), 1);
        controller.abort();
      }
    }
  } catch (err) {
    assert.ok(err instanceof OpenAI.APIUserAbortError || err.name === "AbortError", String(err));
  }
  assert.ok(seen < 50, `the stream went on after the abort (${seen} chunks)`);
  const deadline = Date.now() + 3000;
  while ((await inflight()) !== 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.equal(await inflight(), 0, "the slot stayed taken after the client aborted");
});
