#include "runtime/docker_images.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>

#include "logging/event.hpp"
#include "model/image_ref.hpp"
#include "runtime/docker_events.hpp"
#include "runtime/line_splitter.hpp"
#include "runtime/pull_progress.hpp"

namespace janus::docker {

namespace {

namespace net = boost::asio;
namespace http = boost::beast::http;
using clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

/// How long a failed pull answers for its image before the registry is asked again: below the
/// pools' first start back-off (1 s), so it only spares the registry the starts of other pools.
constexpr milliseconds failed_pull_memory{500};

/// The longest gap between two progress lines of a pull in janusd's log.
constexpr milliseconds progress_every{10000};

long long ms_since(clock::time_point from) {
  return std::chrono::duration_cast<milliseconds>(clock::now() - from).count();
}

/// Ends the pull of `image`: every start waiting for it learns the outcome.
void finish_pull(const std::shared_ptr<docker_state>& state, const std::string& image,
                 std::optional<error_info> failure) {
  if (failure) {
    state->board->set(image, "failed: " + failure->message);
    state->failed_pulls.insert_or_assign(image, failed_pull{clock::now(), failure->message});
  } else {
    state->board->set(image, "pulled");
    state->failed_pulls.erase(image);
    // What an isolated container runs is read again from what was pulled.
    state->images.erase(image);
  }
  auto it = state->pulls.find(image);
  if (it == state->pulls.end()) {
    return;
  }
  auto waiting = std::move(it->second.waiting);
  state->pulls.erase(it);
  for (auto& then : waiting) {
    then(failure);
  }
}

/// What a failed pull of `ref` says: the image, its registry, and the words of the engine (which
/// passes the registry's on).
error_info pull_failure(const std::string& image, const image_ref& ref, const std::string& why) {
  return error_info{errc::no_capacity, "cannot pull image " + image + " from registry "
                                         + ref.registry_host() + ": " + why};
}

net::awaitable<void> run_pull(std::shared_ptr<docker_state> state, std::string image) {
  auto ref = parse_image_ref(image);
  if (!ref) {
    finish_pull(state, image,
                error_info{errc::no_capacity, "cannot pull image " + image + ": "
                                                + ref.error().message});
    co_return;
  }
  const auto* credentials = credentials_for(ref.value(), state->cfg.registries);
  std::vector<std::pair<std::string, std::string>> headers;
  if (credentials != nullptr) {
    headers.emplace_back("X-Registry-Auth", registry_auth(*credentials));
  }
  auto began = clock::now();
  auto deadline = began + state->cfg.pull_timeout;
  state->board->set(image, "pulling");
  logging::event{"docker: pulling image"}
    .field("image", image)
    .field("registry", ref.value().registry_host())
    .field("credentials", credentials != nullptr)
    .field("pull_timeout_ms", state->cfg.pull_timeout.count())
    .info();
  auto timeout_words = "not done within docker.pull_timeout ("
                       + std::to_string(state->cfg.pull_timeout.count()) + " ms)";
  response_stream stream{co_await net::this_coro::executor};
  auto path = pull_path(ref.value());
  auto opened = co_await stream.open(state->api, http::verb::post, path, headers,
                                     state->cfg.pull_timeout);
  if (opened.status == 0) {
    note_engine_trouble(state);
  }
  if (opened.status != 200) {
    auto why = clock::now() >= deadline ? timeout_words : opened.message();
    logging::event{"docker: image pull failed"}
      .field("image", image)
      .field("status", opened.status)
      .field("error", why)
      .field("took_ms", ms_since(began))
      .warn();
    finish_pull(state, image, pull_failure(image, ref.value(), why));
    co_return;
  }
  stream.expires_at(deadline);
  line_splitter lines{max_pull_line};
  pull_progress progress;
  auto logged = clock::now();
  while (auto piece = co_await stream.next()) {
    for (const auto& line : lines.feed(*piece)) {
      progress.feed(line);
    }
    if (clock::now() - logged >= progress_every) {
      logged = clock::now();
      logging::event{"docker: pull progress"}
        .field("image", image)
        .field("layers", progress.layers())
        .field("layers_done", progress.layers_done())
        .field("took_ms", ms_since(began))
        .info();
    }
  }
  std::string why = progress.error();
  if (why.empty() && !stream.complete()) {
    why = clock::now() >= deadline ? timeout_words : stream.error();
  }
  if (!why.empty()) {
    logging::event{"docker: image pull failed"}
      .field("image", image)
      .field("error", why)
      .field("layers", progress.layers())
      .field("layers_done", progress.layers_done())
      .field("took_ms", ms_since(began))
      .warn();
    finish_pull(state, image, pull_failure(image, ref.value(), why));
    co_return;
  }
  logging::event{"docker: image pulled"}
    .field("image", image)
    .field("digest", progress.digest())
    .field("outcome", progress.outcome())
    .field("layers", progress.layers())
    .field("took_ms", ms_since(began))
    .info();
  finish_pull(state, image, std::nullopt);
}

/// Joins the pull of `image` under way, or begins one.
void join_pull(const std::shared_ptr<docker_state>& state, const std::string& image,
               image_handler then) {
  if (auto recent = state->failed_pulls.find(image);
      recent != state->failed_pulls.end() && clock::now() - recent->second.at < failed_pull_memory) {
    then(error_info{errc::no_capacity, recent->second.message});
    return;
  }
  auto [it, fresh] = state->pulls.try_emplace(image);
  it->second.waiting.push_back(std::move(then));
  if (fresh) {
    net::co_spawn(state->io, run_pull(state, image), net::detached);
  }
}

/// if_not_present: an inspect, and a pull when the engine says it lacks the image.
net::awaitable<void> pull_if_missing(std::shared_ptr<docker_state> state, std::string image,
                                     image_handler then) {
  std::string_view no_body;
  auto answer = co_await state->api.call(http::verb::get, "/images/" + image + "/json", no_body);
  if (answer.status == 0) {
    note_engine_trouble(state);
  }
  if (answer.status == 200) {
    if (state->board->get(image).empty() || state->board->get(image).starts_with("failed")) {
      state->board->set(image, "present");
    }
    auto config = parse_image_config(answer.body);
    if (config) {
      state->images.insert_or_assign(image, std::move(config.value()));
    }
    then(std::nullopt);
    co_return;
  }
  if (answer.status == 404) {
    join_pull(state, image, std::move(then));
    co_return;
  }
  then(error_info{errc::no_capacity, "cannot inspect image " + image + ": " + answer.message()});
}

} // namespace

void image_board::set(const std::string& image, std::string state) {
  std::lock_guard lock{mutex_};
  states_.insert_or_assign(image, std::move(state));
}

std::string image_board::get(const std::string& image) const {
  std::lock_guard lock{mutex_};
  auto it = states_.find(image);
  return it == states_.end() ? std::string{} : it->second;
}

std::string missing_image(const container_spec& spec, const std::string& daemon_says) {
  if (spec.pull == pull_policy::never) {
    return "image " + spec.image + " is not in the Docker engine (" + daemon_says
           + ") and the model's pull policy is never: build it, pull it first, or set pull: "
             "if_not_present";
  }
  return "image " + spec.image + " is not in the Docker engine (" + daemon_says
         + ") although it was looked for just before";
}

net::awaitable<result<image_config>> read_image_config(std::shared_ptr<docker_state> state,
                                                     container_spec spec) {
  std::string_view no_body;
  auto answer = co_await state->api.call(http::verb::get, "/images/" + spec.image + "/json",
                                         no_body);
  if (answer.status == 404) {
    co_return error_info{errc::no_capacity, missing_image(spec, answer.message())};
  }
  auto parsed = answer.status == 200
                  ? parse_image_config(answer.body)
                  : result<image_config>{error_info{errc::no_capacity, answer.message()}};
  if (!parsed) {
    co_return error_info{errc::no_capacity,
                         "cannot inspect image " + spec.image + ": " + parsed.error().message};
  }
  state->images.insert_or_assign(spec.image, parsed.value());
  co_return parsed;
}

void ensure_image(const std::shared_ptr<docker_state>& state, const container_spec& spec,
                  image_handler then) {
  switch (spec.pull) {
    case pull_policy::never:
      then(std::nullopt);
      return;
    case pull_policy::always:
      join_pull(state, spec.image, std::move(then));
      return;
    case pull_policy::if_not_present:
      if (state->images.contains(spec.image)) {
        // Read from the engine a moment ago (isolated containers' entrypoints).
        then(std::nullopt);
        return;
      }
      net::co_spawn(state->io, pull_if_missing(state, spec.image, std::move(then)), net::detached);
      return;
  }
}

} // namespace janus::docker
