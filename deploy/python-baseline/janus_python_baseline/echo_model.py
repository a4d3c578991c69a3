"""The deterministic echo model of the Janus baseline, in Python.

Pure functions from a request body to the answer, with no I/O and no clock (the caller passes
the time), answering byte for byte what janus-baseline answers (apps/janus-baseline/echo_model.cpp,
chunk_renderer.cpp, api_error.cpp): the same ids, words, token counts, JSON key order and string
escapes, so janusd's tests and benchmarks can use either server.
"""

import json
import re
from dataclasses import dataclass, field
from typing import Mapping, Optional

MAX_BODY_BYTES = 1024 * 1024
MAX_TOKENS = 1_000_000
MAX_DELAY_MS = 3_600_000
UINT32_MAX = 2**32 - 1
DEFAULT_MODEL = "janus-baseline"

# ASCII whitespace only, as janus-baseline splits: a no-break space is part of a word.
_WORD = re.compile(r"[^ \t\n\r\f\v]+")

# RapidJSON's escapes: the short ones, \u00XX in upper-case hex for other control characters,
# everything else (non-ASCII included) as it is.
_ESCAPES = {c: "\\u%04X" % c for c in range(0x20)}
_ESCAPES.update({0x08: "\\b", 0x09: "\\t", 0x0A: "\\n", 0x0C: "\\f", 0x0D: "\\r",
                 0x22: '\\"', 0x5C: "\\\\"})


def quote(text: str) -> str:
    """`text` as a JSON string literal, quotes included, escaped as RapidJSON escapes it."""
    return '"' + text.translate(_ESCAPES) + '"'


def _optional_quote(text: Optional[str]) -> str:
    return "null" if text is None else quote(text)


# -- errors ---------------------------------------------------------------------------------

@dataclass
class ApiError:
    """An answer that is an error: the HTTP status and the fields of an OpenAI error body."""
    status: int
    message: str
    type: str = "invalid_request_error"
    param: Optional[str] = None
    code: Optional[str] = None


def invalid_request(message: str, param: Optional[str] = None) -> ApiError:
    return ApiError(400, message, param=param)


def invalid_json(detail: str) -> ApiError:
    return ApiError(400, "We could not parse the JSON body of your request: " + detail,
                    code="invalid_json")


def unknown_path(method: str, target: str) -> ApiError:
    return ApiError(404, f"Invalid URL ({method} {target})", code="unknown_url")


def method_not_allowed(method: str, path: str) -> ApiError:
    return ApiError(405, f"Method {method} is not allowed on {path}", code="method_not_allowed")


def body_too_large(limit: int = MAX_BODY_BYTES) -> ApiError:
    return ApiError(413, f"Request body is larger than {limit} bytes", code="request_too_large")


def simulated_error(status: int) -> ApiError:
    """The error a test asked for with `janus_baseline.status`: 5xx are server errors."""
    return ApiError(status, f"janus-baseline: simulated HTTP {status} (janus_baseline.status)",
                    type="server_error" if status >= 500 else "invalid_request_error",
                    code="simulated_error")


def render_error(error: ApiError) -> str:
    """The compact OpenAI error body `{"error":{"message","type","param","code"}}`."""
    return ('{"error":{"message":' + quote(error.message) + ',"type":' + quote(error.type)
            + ',"param":' + _optional_quote(error.param) + ',"code":'
            + _optional_quote(error.code) + "}}")


# -- options --------------------------------------------------------------------------------

class OptionsError(ValueError):
    """A bad environment variable; the message names it and the value."""


@dataclass
class Options:
    """The server's settings, from the environment (the JANUS_BASELINE_* variables)."""
    tokens: int = 16
    token_delay_ms: int = 0
    created: Optional[int] = None
    startup_delay_ms: int = 0
    model: Optional[str] = None


def _integer(env: Mapping[str, str], name: str, low: int, high: int) -> Optional[int]:
    text = env.get(name)
    if not text:
        return None
    # from_chars: optional minus, decimal digits, nothing else.
    if not re.fullmatch(r"-?[0-9]+", text) or not low <= int(text) <= high:
        raise OptionsError(f'{name} must be an integer in [{low}, {high}], got "{text}"')
    return int(text)


def options_from(env: Mapping[str, str]) -> Options:
    """Reads the options from `env`; an empty value counts as unset. Raises OptionsError."""
    options = Options()
    tokens = _integer(env, "JANUS_BASELINE_TOKENS", 0, MAX_TOKENS)
    if tokens is not None:
        options.tokens = tokens
    delay = _integer(env, "JANUS_BASELINE_TOKEN_DELAY_MS", 0, MAX_DELAY_MS)
    if delay is not None:
        options.token_delay_ms = delay
    options.created = _integer(env, "JANUS_BASELINE_CREATED", 0, 2**63 - 1)
    startup = _integer(env, "JANUS_BASELINE_STARTUP_DELAY_MS", 0, MAX_DELAY_MS)
    if startup is not None:
        options.startup_delay_ms = startup
    options.model = env.get("JANUS_BASELINE_MODEL") or None
    return options


# -- requests -------------------------------------------------------------------------------

@dataclass
class Overrides:
    """Per-request test overrides, from the body's extra `janus_baseline` object."""
    tokens: Optional[int] = None
    token_delay_ms: Optional[int] = None
    first_token_delay_ms: Optional[int] = None
    abort_after_tokens: Optional[int] = None
    status: Optional[int] = None


_OVERRIDE_FIELDS = (("tokens", 0, MAX_TOKENS), ("token_delay_ms", 0, MAX_DELAY_MS),
                    ("first_token_delay_ms", 0, MAX_DELAY_MS),
                    ("abort_after_tokens", 0, UINT32_MAX), ("status", 400, 599))


@dataclass
class ChatRequest:
    """A valid chat-completions request, reduced to what the echo model needs."""
    id: str
    model: Optional[str]
    words: list
    prompt_tokens: int
    stream: bool = False
    include_usage: bool = False
    overrides: Overrides = field(default_factory=Overrides)


def completion_id(body: bytes) -> str:
    """"chatcmpl-" + the FNV-1a 64-bit hash of the raw body, as 16 lower-case hex digits."""
    h = 14695981039346656037
    for byte in body:
        h = ((h ^ byte) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return "chatcmpl-%016x" % h


def split_words(text: str) -> list:
    """The words of `text`, split at ASCII whitespace."""
    return _WORD.findall(text)


def _first_wins(pairs):
    # RapidJSON's FindMember finds the first of repeated keys; a dict would keep the last.
    out = {}
    for k, v in pairs:
        out.setdefault(k, v)
    return out


def _no_constant(name):
    raise ValueError(f"Invalid value ({name} is not JSON)")


def parse_json(body: bytes):
    """The JSON document of `body` (strict UTF-8, no NaN/Infinity); (None, ApiError) if invalid.
    Nesting deeper than the interpreter's recursion limit is an error, not a crash."""
    try:
        text = body.decode("utf-8")
        return json.loads(text, object_pairs_hook=_first_wins, parse_constant=_no_constant), None
    except UnicodeDecodeError as e:
        return None, invalid_json(f"Invalid encoding in string (at offset {e.start})")
    except json.JSONDecodeError as e:
        return None, invalid_json(f"{e.msg} (at offset {e.pos})")
    except RecursionError:
        return None, invalid_json("The document is nested too deeply")
    except ValueError as e:
        return None, invalid_json(str(e))


def _is_uint(value) -> bool:
    return type(value) is int and 0 <= value <= UINT32_MAX


def _message_text(message: dict):
    content = message.get("content")
    if content is None:
        return "", None
    if isinstance(content, str):
        return content, None
    if not isinstance(content, list):
        return None, invalid_request(
            "Each message's content must be a string or an array of content parts", "messages")
    texts = []
    for part in content:
        if not isinstance(part, dict):
            return None, invalid_request("Each content part must be an object", "messages")
        if part.get("type") != "text":
            continue
        if not isinstance(part.get("text"), str):
            return None, invalid_request("A text content part must have a string `text`",
                                         "messages")
        texts.append(part["text"])
    return " ".join(texts), None


def _parse_overrides(value):
    overrides = Overrides()
    if value is None:
        return overrides, None
    if not isinstance(value, dict):
        return None, invalid_request("janus_baseline must be an object", "janus_baseline")
    for name, low, high in _OVERRIDE_FIELDS:
        v = value.get(name)
        if v is None:
            continue
        if not _is_uint(v) or not low <= v <= high:
            key = "janus_baseline." + name
            return None, invalid_request(f"{key} must be an integer in [{low}, {high}]", key)
        setattr(overrides, name, v)
    return overrides, None


def _encodable(text: str) -> bool:
    # JSON may escape a lone surrogate, which has no UTF-8 form (RapidJSON rejects it).
    try:
        text.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


def parse_chat_request(body: bytes):
    """Validates a chat-completions body: (ChatRequest, None), or (None, the 400 ApiError naming
    the field at fault). Unknown fields are ignored; the checks run in janus-baseline's order."""
    doc, error = parse_json(body)
    if error:
        return None, error
    if not isinstance(doc, dict):
        return None, invalid_request("The request body must be a JSON object")
    model = doc.get("model")
    if model is not None and not isinstance(model, str):
        return None, invalid_request("model must be a string", "model")
    messages = doc.get("messages", ...)
    if messages is ...:
        return None, invalid_request("Missing required parameter: 'messages'", "messages")
    if not isinstance(messages, list) or not messages:
        return None, invalid_request("messages must be a non-empty array", "messages")
    prompt_tokens = 0
    last_user_text = None
    for message in messages:
        if not isinstance(message, dict):
            return None, invalid_request("Each message must be an object", "messages")
        text, error = _message_text(message)
        if error:
            return None, error
        prompt_tokens += len(split_words(text))
        if message.get("role") == "user":
            last_user_text = text
    words = split_words(last_user_text) if last_user_text else []
    if not words:
        words = ["echo"]
    stream = doc.get("stream")
    if stream is not None and not isinstance(stream, bool):
        return None, invalid_request("stream must be a boolean", "stream")
    include_usage = False
    options = doc.get("stream_options")
    if options is not None:
        if not isinstance(options, dict):
            return None, invalid_request("stream_options must be an object", "stream_options")
        usage = options.get("include_usage")
        if usage is not None:
            if not isinstance(usage, bool):
                return None, invalid_request("stream_options.include_usage must be a boolean",
                                             "stream_options.include_usage")
            include_usage = usage
    overrides, error = _parse_overrides(doc.get("janus_baseline"))
    if error:
        return None, error
    if not all(_encodable(w) for w in words) or (model is not None and not _encodable(model)):
        return None, invalid_json("A lone surrogate (\\uD800-\\uDFFF) in a string")
    return ChatRequest(completion_id(body), model, words, prompt_tokens, bool(stream),
                       include_usage, overrides), None


# -- answers --------------------------------------------------------------------------------

@dataclass
class AnswerPlan:
    """What to answer to one request: the request with the options and overrides applied."""
    id: str
    model: str
    created: int
    words: list
    tokens: int
    token_delay_ms: int
    first_token_delay_ms: int
    abort_after_tokens: Optional[int]
    status: Optional[int]
    prompt_tokens: int
    stream: bool
    include_usage: bool


def plan_answer(request: ChatRequest, options: Options, now: int) -> AnswerPlan:
    """The model is the configured one, else the request's, else "janus-baseline"; `created` is
    the configured time, else `now`."""
    o = request.overrides
    return AnswerPlan(
        id=request.id,
        model=options.model or (request.model if request.model is not None else DEFAULT_MODEL),
        created=options.created if options.created is not None else now,
        words=request.words,
        tokens=o.tokens if o.tokens is not None else options.tokens,
        token_delay_ms=o.token_delay_ms if o.token_delay_ms is not None else options.token_delay_ms,
        first_token_delay_ms=o.first_token_delay_ms or 0,
        abort_after_tokens=o.abort_after_tokens,
        status=o.status,
        prompt_tokens=request.prompt_tokens,
        stream=request.stream,
        include_usage=request.stream and request.include_usage)


def answer_token(plan: AnswerPlan, index: int) -> str:
    """Token `index`: the words cycled, each followed by one space except the last."""
    word = plan.words[index % len(plan.words)]
    return word + " " if index + 1 < plan.tokens else word


def answer_content(plan: AnswerPlan) -> str:
    return "".join(answer_token(plan, i) for i in range(plan.tokens))


def _usage(plan: AnswerPlan) -> str:
    return (f'{{"prompt_tokens":{plan.prompt_tokens},"completion_tokens":{plan.tokens},'
            f'"total_tokens":{plan.prompt_tokens + plan.tokens}}}')


def render_completion(plan: AnswerPlan) -> str:
    """The compact non-stream answer (`"object":"chat.completion"`) in OpenAI's key order."""
    return (f'{{"id":{quote(plan.id)},"object":"chat.completion","created":{plan.created},'
            f'"model":{quote(plan.model)},"choices":[{{"index":0,"message":{{"role":"assistant",'
            f'"content":{quote(answer_content(plan))}}},"logprobs":null,"finish_reason":"stop"}}],'
            f'"usage":{_usage(plan)}}}')


class ChunkRenderer:
    """The SSE frames of one streamed answer, each `data: {...}\\n\\n`: the role first, one per
    token, the finish frame, the usage frame (with stream_options.include_usage), `[DONE]`."""

    DONE = b"data: [DONE]\n\n"

    def __init__(self, plan: AnswerPlan):
        self._tokens = plan.tokens
        self._head = (f'data: {{"id":{quote(plan.id)},"object":"chat.completion.chunk",'
                      f'"created":{plan.created},"model":{quote(plan.model)},')
        self._end = ',"usage":null}\n\n' if plan.include_usage else "}\n\n"
        self._spaced = [quote(w + " ") for w in plan.words]
        self._bare = [quote(w) for w in plan.words]
        self._usage = self._head + '"choices":[],"usage":' + _usage(plan) + "}\n\n"

    def role_frame(self) -> bytes:
        return (self._head + '"choices":[{"index":0,"delta":{"role":"assistant","content":""}'
                ',"logprobs":null,"finish_reason":null}]' + self._end).encode()

    def token_frame(self, index: int) -> bytes:
        word = index % len(self._bare)
        content = self._spaced[word] if index + 1 < self._tokens else self._bare[word]
        return (self._head + '"choices":[{"index":0,"delta":{"content":' + content
                + '},"logprobs":null,"finish_reason":null}]' + self._end).encode()

    def finish_frame(self) -> bytes:
        return (self._head + '"choices":[{"index":0,"delta":{},"logprobs":null,'
                '"finish_reason":"stop"}]' + self._end).encode()

    def usage_frame(self) -> bytes:
        return self._usage.encode()


def render_models(options: Options, created: int) -> str:
    """The body of GET /v1/models: one model, the configured one or "janus-baseline"."""
    return (f'{{"object":"list","data":[{{"id":{quote(options.model or DEFAULT_MODEL)},'
            f'"object":"model","created":{created},"owned_by":"janus"}}]}}')


def render_health(healthy: bool) -> str:
    return '{"status":"ok"}' if healthy else '{"status":"unhealthy"}'


def parse_health_toggle(body: bytes):
    """The body of POST /_baseline/health, {"healthy": bool}: (bool, None) or (None, ApiError)."""
    doc, error = parse_json(body)
    if error or not isinstance(doc, dict):
        return None, invalid_request('The body must be a JSON object {"healthy": true|false}')
    healthy = doc.get("healthy")
    if not isinstance(healthy, bool):
        return None, invalid_request("healthy must be a boolean", "healthy")
    return healthy, None
