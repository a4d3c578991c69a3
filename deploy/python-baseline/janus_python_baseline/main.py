"""The Janus container contract on FastAPI: POST /v1/chat/completions, GET /health and
GET /v1/models on port 8080, serving the echo model (echo_model.py) as janus-baseline does.

Run by uvicorn (`uvicorn janus_python_baseline.main:app --host 0.0.0.0 --port 8080`), which
handles SIGTERM: it stops listening, lets the requests in flight finish and exits 0. Importing
this module reads the JANUS_BASELINE_* environment (a bad value exits 2 before uvicorn
listens) and waits JANUS_BASELINE_STARTUP_DELAY_MS, so a slow boot is a late listen, as it is
for a real model loading its weights.
"""

import asyncio
import logging
import os
import sys
import time

from fastapi import FastAPI, Request
from fastapi.responses import Response, StreamingResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from janus_python_baseline import echo_model as model

try:
    OPTIONS = model.options_from(os.environ)
except model.OptionsError as error:
    print(f"janus-python-baseline: {error}", file=sys.stderr, flush=True)
    sys.exit(2)
if OPTIONS.startup_delay_ms:
    time.sleep(OPTIONS.startup_delay_ms / 1000)

STARTED_AT = int(time.time())
# The one method each path takes (a 405 names it in `Allow`).
ROUTES = {"/health": "GET", "/v1/models": "GET", "/v1/chat/completions": "POST",
          "/_baseline/health": "POST"}
# A stream without token delays still lets the event loop run (health probes, other requests)
# every this many tokens.
YIELD_EVERY_TOKENS = 64
# How much of a body over the limit is read before the 413.
LINGER_BYTES = 4 * model.MAX_BODY_BYTES

_state = {"healthy": True}

app = FastAPI(title="janus-python-baseline", docs_url=None, redoc_url=None, openapi_url=None)


class _SimulatedCrash(Exception):
    """Raised when the connection cannot be cut directly; uvicorn then closes it."""


class _QuietCrash(logging.Filter):
    """Keeps uvicorn's traceback of a simulated crash out of the log."""

    def filter(self, record):
        return not (record.exc_info and isinstance(record.exc_info[1], _SimulatedCrash))


logging.getLogger("uvicorn.error").addFilter(_QuietCrash())


def _json(status: int, body: str, headers: dict = None) -> Response:
    return Response(body.encode(), status_code=status,
                    headers={"content-type": "application/json", **(headers or {})})


def _error(error: model.ApiError, headers: dict = None) -> Response:
    return _json(error.status, model.render_error(error), headers)


async def _cut(request: Request):
    """Closes the client's connection at once, as a crashed model would: no answer, or the rest
    of a stream (no finish frame, no `[DONE]`, no last chunk) never comes. uvicorn's protocol
    object (behind the ASGI receive callable) owns the transport; after close() it learns of the
    loss on the next loop turn and ignores whatever the app sends later."""
    transport = getattr(getattr(request.receive, "__self__", None), "transport", None)
    if transport is None:
        raise _SimulatedCrash("janus_baseline.abort_after_tokens")
    transport.close()
    await asyncio.sleep(0)


async def _read_body(request: Request):
    """The request body, or None when it is over model.MAX_BODY_BYTES. The rest of a body that
    is too large is read (up to LINGER_BYTES) and dropped, so that the 413 reaches a client
    still sending instead of a reset."""
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > LINGER_BYTES:
        return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > LINGER_BYTES:
            return None
        if size <= model.MAX_BODY_BYTES:
            chunks.append(chunk)
    return b"".join(chunks) if size <= model.MAX_BODY_BYTES else None


@app.exception_handler(StarletteHTTPException)
async def _routing_error(request: Request, exc: StarletteHTTPException):
    path = request.url.path
    if exc.status_code == 405 and path in ROUTES:
        return _error(model.method_not_allowed(request.method, path), {"allow": ROUTES[path]})
    target = request.scope.get("raw_path", path.encode()).decode("latin-1")
    if request.scope.get("query_string"):
        target += "?" + request.scope["query_string"].decode("latin-1")
    return _error(model.unknown_path(request.method, target))


@app.get("/health")
async def health():
    return _json(200 if _state["healthy"] else 503, model.render_health(_state["healthy"]))


@app.get("/v1/models")
async def models():
    created = OPTIONS.created if OPTIONS.created is not None else STARTED_AT
    return _json(200, model.render_models(OPTIONS, created))


@app.post("/_baseline/health")
async def set_health(request: Request):
    body = await _read_body(request)
    if body is None:
        return _error(model.body_too_large(), {"connection": "close"})
    healthy, error = model.parse_health_toggle(body)
    if error:
        return _error(error)
    _state["healthy"] = healthy
    return _json(200, model.render_health(healthy))


@app.post("/v1/chat/completions")
async def chat_completions(request: Request):
    body = await _read_body(request)
    if body is None:
        return _error(model.body_too_large(), {"connection": "close"})
    parsed, error = model.parse_chat_request(body)
    if error:
        return _error(error)
    plan = model.plan_answer(parsed, OPTIONS, int(time.time()))
    if plan.status is not None:
        return _error(model.simulated_error(plan.status))
    if plan.stream:
        return StreamingResponse(_frames(plan, request),
                                 headers={"content-type": "text/event-stream",
                                          "cache-control": "no-cache"})
    tokens = plan.tokens
    if plan.abort_after_tokens is not None:
        tokens = min(plan.abort_after_tokens, plan.tokens)
    await asyncio.sleep((plan.first_token_delay_ms + plan.token_delay_ms * tokens) / 1000)
    if plan.abort_after_tokens is not None:
        await _cut(request)
        return Response()
    return _json(200, model.render_completion(plan))


async def _frames(plan: model.AnswerPlan, request: Request):
    """The SSE frames of a streamed answer, each after its delay; cut short for
    janus_baseline.abort_after_tokens (the stream's head went out before the first frame)."""
    frames = model.ChunkRenderer(plan)
    if plan.first_token_delay_ms:
        await asyncio.sleep(plan.first_token_delay_ms / 1000)
    yield frames.role_frame()
    delay = plan.token_delay_ms / 1000
    for i in range(plan.tokens):
        if plan.abort_after_tokens == i:
            await _cut(request)
            return
        if delay:
            await asyncio.sleep(delay)
        elif i % YIELD_EVERY_TOKENS == YIELD_EVERY_TOKENS - 1:
            await asyncio.sleep(0)
        yield frames.token_frame(i)
    if plan.abort_after_tokens == plan.tokens:
        await _cut(request)
        return
    yield frames.finish_frame()
    if plan.include_usage:
        yield frames.usage_frame()
    yield model.ChunkRenderer.DONE
