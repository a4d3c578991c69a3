#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace janus::baseline {

/// A bad environment variable at start-up: `what()` names the variable and the value it got,
/// e.g. `PORT must be an integer in [0, 65535], got "abc"`. main() prints it and exits 2.
class options_error : public std::invalid_argument {
public:
  using std::invalid_argument::invalid_argument;
};

/// Rules of the Janus container contract that a baseline breaks on purpose, so that janus-check's
/// tests have images that fail one rule each (JANUS_BASELINE_BREAK, a comma-separated list).
struct contract_breaks {
  /// no_done: a stream ends without `data: [DONE]`.
  bool no_done = false;
  /// wrong_chunk_object: stream chunks say `"object":"chat.completion"`.
  bool wrong_chunk_object = false;
  /// no_usage: `stream_options.include_usage` is ignored (no usage chunk).
  bool no_usage = false;
  /// chat_no_usage: a whole (non-stream) answer has no `usage`.
  bool chat_no_usage = false;
  /// models_not_list: GET /v1/models answers 200 with something else than OpenAI's list.
  bool models_not_list = false;
  /// error_500: a malformed chat body gets a 500 instead of a 400.
  bool error_500 = false;
  /// slow_boot: the server listens only after slow_boot_delay_ms.
  bool slow_boot = false;
  /// ignore_sigterm: SIGTERM is ignored (SIGINT still stops the server).
  bool ignore_sigterm = false;
};

/// How long slow_boot waits before listening: longer than any startup timeout a test uses.
inline constexpr std::uint32_t slow_boot_delay_ms = 120'000;

/// How one janus-baseline process behaves, read once from the environment at start-up.
/// Every field holds a validated value; the defaults are those of an unset variable.
struct baseline_options {
  /// HOST: the address to listen on, a numeric IPv4 or IPv6 address (never a name).
  std::string host = "0.0.0.0";
  /// PORT: the TCP port to listen on; 0 lets the kernel pick one.
  std::uint16_t port = 8080;
  /// JANUS_BASELINE_TOKENS: the answer length in tokens.
  std::uint32_t tokens = 16;
  /// JANUS_BASELINE_TOKEN_DELAY_MS: the delay before each answer token, in milliseconds.
  std::uint32_t token_delay_ms = 0;
  /// JANUS_BASELINE_CREATED: a fixed `created` unix time for every answer; unset = the clock.
  std::optional<std::int64_t> created;
  /// JANUS_BASELINE_STARTUP_DELAY_MS: how long to wait before listening, in milliseconds.
  std::uint32_t startup_delay_ms = 0;
  /// JANUS_BASELINE_MODEL: the model id of every answer and of /v1/models; unset = answers
  /// echo the request's `model` and /v1/models lists "janus-baseline".
  std::optional<std::string> model;
  /// JANUS_BASELINE_MODE: `echo` (answers itself) or `agent` (answers by calling the platform
  /// LLM route through JANUS_PLATFORM_URL, streaming that answer back).
  bool agent = false;
  /// JANUS_BASELINE_PLATFORM_PROBE_AT_START=1: call `$JANUS_PLATFORM_URL/health` before
  /// listening and exit non-zero unless it answers 200 (proves the endpoint is there at boot).
  bool probe_platform_at_start = false;
  /// JANUS_PLATFORM_URL, taken apart (`http://<numeric address>:<port>`); required by the two
  /// switches above.
  std::string platform_host;
  std::uint16_t platform_port = 0;
  /// JANUS_LLM_API_KEY: the container's token for its platform endpoint.
  std::string platform_token;
  /// JANUS_BASELINE_REQUIRE_AUTHORIZATION: when set, chat requests whose Authorization header is
  /// not exactly this get 401 (a platform LLM that checks the injected credential).
  std::optional<std::string> required_authorization;
  /// JANUS_BASELINE_BREAK: the contract rules broken on purpose; none by default.
  contract_breaks breaks;
  /// JANUS_BASELINE_LOG_REQUESTS=1: print one line per chat request to stdout with the
  /// x-request-id, traceparent and tracestate it arrived with (tests see what reached the model).
  bool log_requests = false;
  /// JANUS_BASELINE_NOISE_LINES: lines printed to stdout as fast as possible before listening
  /// (a noisy container).
  std::uint32_t noise_lines = 0;
};

/// Looks up one environment variable; std::nullopt when it is not set.
using env_lookup = std::function<std::optional<std::string>(std::string_view name)>;

/// Reads the options from `lookup`; an empty value counts as unset. Throws options_error
/// naming the first variable whose value is not valid.
baseline_options parse_baseline_options(const env_lookup& lookup);

/// Reads the options from the process environment (see parse_baseline_options).
baseline_options baseline_options_from_environment();

} // namespace janus::baseline
