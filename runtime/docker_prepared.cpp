#include "runtime/docker_prepared.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include <utility>

#include "logging/event.hpp"
#include "runtime/docker_api.hpp"
#include "runtime/docker_images.hpp"

namespace janus::docker {

namespace {

namespace net = boost::asio;
namespace http = boost::beast::http;
using clock = std::chrono::steady_clock;

net::awaitable<void> remove_discarded(std::shared_ptr<docker_state> state, std::string id,
                                      std::string name) {
  co_await remove_container(state->api, id);
  state->discarding.erase(id);
  if (state->isolation.platform) {
    state->isolation.platform->close(name);
  }
}

/// Removes one prepared container (no longer in its model's list), saying why.
void discard_one(const std::shared_ptr<docker_state>& state, const std::string& model,
                 const std::string& id, const std::string& name, const char* reason) {
  logging::event{"docker: removing prepared container"}
    .field("model", model)
    .field("container", id)
    .field("name", name)
    .field("reason", reason)
    .info();
  state->discarding.emplace(id, name);
  net::co_spawn(state->io, remove_discarded(state, id, name), net::detached);
}

/// Removes the prepared containers of `model` for which `stale` says why they cannot be taken.
template <class Why>
void drop_stale(const std::shared_ptr<docker_state>& state, const std::string& model, Why stale) {
  auto it = state->prepared.find(model);
  if (it == state->prepared.end()) {
    return;
  }
  std::erase_if(it->second, [&](const prepared_container& c) {
    const char* why = stale(c);
    if (why == nullptr) {
      return false;
    }
    discard_one(state, model, c.id, c.name, why);
    return true;
  });
}

net::awaitable<void> run_prepare(std::shared_ptr<docker_state> state, container_spec spec,
                                 int ahead, runtime::prepare_handler on_done) {
  const auto model = spec.model;
  auto generation = generation_of(spec, state->isolation.options);
  drop_stale(state, model, [&](const prepared_container& c) {
    return c.generation == generation ? nullptr : "the model's configuration changed";
  });
  auto count = [&state, &model] {
    auto it = state->prepared.find(model);
    return it == state->prepared.end() ? 0 : static_cast<int>(it->second.size());
  };
  int wanted = ahead - count() - state->preparing[model];
  if (wanted <= 0) {
    on_done(count());
    co_return;
  }
  auto epoch = state->prepare_epochs[model];
  state->preparing[model] += wanted;
  auto image = co_await read_image_config(state, spec);
  if (image) {
    drop_stale(state, model, [&](const prepared_container& c) {
      return c.image_id == image.value().id ? nullptr : "its image was rebuilt or pulled since";
    });
  }
  for (; wanted > 0 && image; --wanted) {
    auto created = co_await create_container(state, spec);
    --state->preparing[model];
    if (!created) {
      state->preparing[model] -= wanted - 1;
      on_done(created.error());
      co_return;
    }
    auto& made = created.value();
    if (state->prepare_epochs[model] != epoch) {
      discard_one(state, model, made.id, made.name, "discarded while it was created");
      continue;
    }
    logging::event{"docker: container prepared"}
      .field("model", model)
      .field("container", made.id)
      .field("name", made.name)
      .millis("create_ms", made.phases.empty() ? std::chrono::microseconds{0}
                                               : made.phases.back().took)
      .debug();
    state->prepared[model].push_back(prepared_container{made.id, made.name, made.seq, generation,
                                                        image.value().id, std::move(made.how)});
  }
  if (!image) {
    state->preparing[model] -= wanted;
    on_done(image.error());
    co_return;
  }
  on_done(count());
}

} // namespace

void prepare_containers(const std::shared_ptr<docker_state>& state, container_spec spec, int ahead,
                        runtime::prepare_handler on_done) {
  if (spec.pull == pull_policy::always) {
    spec.pull = pull_policy::if_not_present; // the start pulls
  }
  auto shared = std::make_shared<std::pair<container_spec, runtime::prepare_handler>>(
    spec, std::move(on_done));
  ensure_image(state, spec, [state, shared, ahead](std::optional<error_info> failure) {
    auto& [spec, on_done] = *shared;
    if (failure) {
      on_done(std::move(*failure));
      return;
    }
    // Answered once: by run_prepare(), or here if it threw before it answered (the pool would
    // wait for the answer for good and prepare nothing more).
    auto once = std::make_shared<runtime::prepare_handler>(std::move(on_done));
    auto answer = [once](result<int> done) {
      if (auto handler = std::exchange(*once, nullptr)) {
        handler(std::move(done));
      }
    };
    net::co_spawn(state->io, run_prepare(state, spec, ahead, answer),
                  [answer, model = spec.model](std::exception_ptr error) {
                    if (!error) {
                      return;
                    }
                    std::string what = "unknown exception";
                    try {
                      std::rethrow_exception(error);
                    } catch (const std::exception& e) {
                      what = e.what();
                    } catch (...) {
                    }
                    logging::event{"docker: preparing a container failed unexpectedly"}
                      .field("model", model)
                      .field("error", what)
                      .error();
                    answer(error_info{errc::no_capacity, "preparing a container failed: " + what});
                  });
  });
}

void discard_prepared(const std::shared_ptr<docker_state>& state, const std::string& model) {
  ++state->prepare_epochs[model];
  drop_stale(state, model, [](const prepared_container&) { return "its model's pool ended"; });
  state->prepared.erase(model);
}

net::awaitable<std::optional<taken_prepared>> take_prepared(std::shared_ptr<docker_state> state,
                                                            container_spec spec) {
  auto it = state->prepared.find(spec.model);
  if (it == state->prepared.end() || it->second.empty()) {
    co_return std::nullopt;
  }
  auto began = clock::now();
  auto image = co_await read_image_config(state, spec);
  std::vector<start_phase> phases{
    start_phase{"image", std::chrono::duration_cast<std::chrono::microseconds>(clock::now()
                                                                               - began)}};
  if (!image) {
    // The create that follows says what is wrong with the image.
    co_return std::nullopt;
  }
  auto generation = generation_of(spec, state->isolation.options);
  drop_stale(state, spec.model, [&](const prepared_container& c) {
    return c.generation != generation        ? "the model's configuration changed"
           : c.image_id != image.value().id ? "its image was rebuilt or pulled since"
                                             : nullptr;
  });
  it = state->prepared.find(spec.model);
  if (it == state->prepared.end() || it->second.empty()) {
    co_return std::nullopt;
  }
  auto c = std::move(it->second.front());
  it->second.pop_front();
  phases.push_back(start_phase{"prepared", std::chrono::microseconds{0}});
  taken_prepared out{created_container{c.id, c.name, c.seq, std::move(c.how), {}},
                     std::move(phases)};
  co_return out;
}

} // namespace janus::docker
