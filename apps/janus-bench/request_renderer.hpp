#pragma once

#include "apps/janus-bench/bench_options.hpp"

#include <string>
#include <vector>

namespace janus::bench {

/// The chat-completions body for `model`: the prompt as one user message, `stream` (with
/// `stream_options.include_usage` unless --no-stream-usage), `max_tokens` (and `janus_baseline.tokens`) when asked for, then every --body-extra object
/// merged in (objects merge key by key, recursively; any other value replaces).
std::string render_body(const bench_options& options, const std::string& model);

/// The whole HTTP/1.1 request for `model`, header and body, ready to write as is on any
/// connection to the target. A --header replaces a default header of the same name
/// (Host, User-Agent, Accept, Content-Type).
std::string render_request(const bench_options& options, const std::string& model);

/// One prepared request per model, in the order of options.models.
std::vector<std::string> render_requests(const bench_options& options);

} // namespace janus::bench
