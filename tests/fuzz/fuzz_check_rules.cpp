// janus-check's rule checks (apps/janus-check/contract_rules.cpp): the same bytes read as a
// container's chat answer, stream, models list, error answer and Docker stats, under every
// status and content type the first byte picks. Whatever the bytes, a judgment is one line of
// valid UTF-8 of bounded length, and a stream that passes stream_usage passes stream.

#include <iterator>
#include <string>

#include "apps/janus-check/contract_rules.hpp"
#include "model/utf8.hpp"
#include "tests/fuzz/property.hpp"

namespace {

using namespace janus::check;

/// The longest observed text a judgment can make: a few fixed words around three excerpts.
constexpr std::size_t max_observed = 1024;

void check_result(const rule_result& result) {
  janus::fuzz::require(janus::is_valid_utf8(result.observed), "an observed value is valid UTF-8");
  janus::fuzz::require(result.observed.find('\n') == std::string::npos,
                       "an observed value is one line");
  janus::fuzz::require(result.observed.size() <= max_observed, "an observed value is short");
  janus::fuzz::require(!result.observed.empty(), "an observed value says something");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto input = janus::fuzz::text_of(data, size);
  static constexpr unsigned statuses[] = {200, 200, 200, 404, 400, 500, 0};
  static constexpr const char* types[] = {nullptr, "application/json", "text/event-stream; x=1",
                                          "text/html"};
  const unsigned char first = input.empty() ? 0 : static_cast<unsigned char>(input.front());
  observed_response seen;
  seen.status = statuses[first % std::size(statuses)];
  seen.body = std::string{input};
  if (seen.status == 0) {
    seen.error = "no answer within 10000 ms";
  }
  for (const char* type : types) {
    // nullptr: the content type is the input's own first line, as a container could send it.
    seen.content_type = type != nullptr ? std::string{type}
                                        : std::string{input.substr(0, input.find('\n'))};
    check_result(judge_chat(seen));
    auto stream = judge_stream(seen);
    auto usage = judge_stream_usage(seen);
    check_result(stream);
    check_result(usage);
    janus::fuzz::require(usage.outcome != verdict::pass || stream.outcome == verdict::pass,
                         "a stream that passes stream_usage passes stream");
    check_result(judge_models(seen));
    check_result(judge_errors(seen));
  }
  if (auto reading = parse_memory_stats(input)) {
    memory_observation memory;
    memory.reading = reading;
    check_result(judge_idle_memory(memory, std::nullopt));
    check_result(judge_idle_memory(memory, 1024));
  }
  auto quoted = excerpt(input);
  janus::fuzz::require(janus::is_valid_utf8(quoted), "an excerpt is valid UTF-8");
  janus::fuzz::require(quoted.size() <= max_excerpt_bytes + 3, "an excerpt is short");
  return 0;
}
