// The Sandy-compatible routes' parsers (model/sandbox.cpp) on any bytes: the first byte picks
// the parser (0: the create body, 1: the container run body, 2: the request path), the rest is
// its input.

#include <algorithm>
#include <chrono>

#include "model/admin.hpp"
#include "model/sandbox.hpp"
#include "model/utf8.hpp"
#include "tests/fuzz/property.hpp"

namespace {

using namespace janus;

void check_refusal(const error_info& error) {
  fuzz::require(error.code == errc::invalid_request, "a refused body is invalid_request");
  fuzz::require(is_valid_utf8(error.message), "the message is valid UTF-8");
  fuzz::require(error.message.size() < 256, "the message echoes little of the body");
}

void create_body(std::string_view text) {
  const auto max_timeout = std::chrono::milliseconds{std::chrono::hours(24)};
  const auto parsed = parse_sandbox_request(text, max_timeout, 128);
  if (!parsed) {
    check_refusal(parsed.error());
    return;
  }
  const auto& request = parsed.value();
  if (request.timeout) {
    fuzz::require(*request.timeout > std::chrono::milliseconds::zero()
                    && *request.timeout <= max_timeout,
                  "an accepted timeout is within (0, max_timeout]");
  }
  fuzz::require(std::none_of(request.image.begin(), request.image.end(),
                             [](char c) { return static_cast<unsigned char>(c) <= 0x20; }),
                "an accepted image has no space or control byte");
}

void run_body(std::string_view text) {
  const auto parsed = parse_container_run_request(text, 128);
  if (!parsed) {
    check_refusal(parsed.error());
    return;
  }
  const auto& run = parsed.value();
  fuzz::require(!run.image.empty() && run.image.front() != '-', "an accepted image is usable");
  fuzz::require(run.env.size() <= max_run_env, "the env is bounded");
  admin_limits limits;
  const auto made = make_sandbox_model(run, "s", "c1", std::chrono::seconds(1), limits);
  for (const auto& [name, value] : made.model.env) {
    fuzz::require(!name.empty() && name.find('=') == std::string::npos
                    && value.find('\0') == std::string::npos,
                  "a variable is fit for a container's environment");
    fuzz::require(!is_platform_variable(name), "no platform variable is overridden");
  }
  fuzz::require(made.model.max_containers == 1 && made.model.min_warm == 1,
                "a sandbox container is a pool of one");
}

void path(std::string_view text) {
  const auto target = parse_sandbox_path(text);
  if (!target) {
    fuzz::require(target.error().code == errc::no_route
                    || target.error().code == errc::invalid_request,
                  "a refused path is 404 or 400");
    fuzz::require(is_valid_utf8(target.error().message), "the message is valid UTF-8");
    return;
  }
  const auto& to = target.value();
  if (to.what != sandbox_target::kind::collection) {
    fuzz::require(is_valid_sandbox_id(to.sandbox_id), "a routed sandbox id is valid");
  }
  if (to.what == sandbox_target::kind::chat) {
    fuzz::require(is_valid_sandbox_id(to.container_id), "a routed container id is valid");
    fuzz::require(sandbox_model_name(to.sandbox_id, to.container_id).size()
                    <= 8 + 2 * max_sandbox_id + 1,
                  "a pool name is bounded by the ids' limit");
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) {
    return 0;
  }
  const auto text = fuzz::text_of(data + 1, size - 1);
  switch (data[0] % 3) {
    case 0:
      create_body(text);
      break;
    case 1:
      run_body(text);
      break;
    default:
      path(text);
      break;
  }
  return 0;
}
