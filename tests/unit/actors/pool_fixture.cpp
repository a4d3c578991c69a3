#include "tests/unit/actors/pool_fixture.hpp"

#include <caf/all.hpp>

#include <spdlog/spdlog.h>

namespace janus::actors::test_kit {

namespace {

using namespace std::chrono_literals;

caf::behavior recording_router(caf::event_based_actor*, std::shared_ptr<pool_observations> seen) {
  return {
    [seen](warm_atom, const std::string& model) {
      seen->warm.push_back(model);
    },
  };
}

caf::behavior recording_health_checker(caf::event_based_actor*,
                                       std::shared_ptr<pool_observations> seen) {
  return {
    [seen](watch_atom, const std::string& id, const endpoint&, const health_config&,
           const caf::actor& supervisor, const std::string&) {
      seen->watched.emplace_back(id, supervisor);
    },
    [seen](unwatch_atom, const std::string& id) {
      seen->unwatched.push_back(id);
    },
  };
}

} // namespace

pool_fixture::pool_fixture() {
  spdlog::set_level(spdlog::level::off);
  router_ = sys_.system().spawn(recording_router, seen_);
  health_ = sys_.system().spawn(recording_health_checker, seen_);
  sys_.run();
}

void pool_fixture::TearDown() {
  for (auto* handle : {&pool_, &router_, &health_}) {
    if (*handle) {
      caf::anon_send_exit(*handle, caf::exit_reason::kill);
    }
  }
  sys_.run();
  runtime_.end_all();
  sys_.run();
  EXPECT_EQ(sys_.running_actors(), 0u) << "an actor outlived the test";
  runtime_.forget();
  prober_.forget();
  seen_->watched.clear();
  pool_ = nullptr;
  router_ = nullptr;
  health_ = nullptr;
}

model_config pool_fixture::small_model() {
  model_config model;
  model.name = "m";
  model.command = {"model-server", "--verbose"};
  model.env = {{"MODEL_ONLY", "1"}, {"JANUS_SHARED", "model"}};
  model.min_warm = 1;
  model.max_containers = 2;
  model.max_concurrency = 1;
  model.idle_ttl = 1s;
  model.max_requests = 0;
  model.max_age = 0ms;
  model.startup_timeout = 5s;
  model.stop_grace = 3s;
  model.queue_limit = 4;
  model.queue_timeout = 2s;
  model.health.path = "/healthz";
  model.health.interval = 1s;
  model.health.timeout = 500ms;
  model.health.threshold = 3;
  model.prewarm_window = 0ms;
  return model;
}

void pool_fixture::spawn_pool(model_config model) {
  spawn_pool(std::move(model), {});
}

void pool_fixture::spawn_pool(model_config model, std::vector<container_info> adoptable) {
  pool_deps deps;
  if (!adoptable.empty()) {
    deps.adoptable[model.name] = std::move(adoptable);
  }
  deps.supervisors.containers = &runtime_;
  deps.supervisors.probe = prober_.as_prober();
  deps.supervisors.health = health_;
  deps.supervisors.metrics = &metrics_;
  deps.platform_env = {{"JANUS_PLATFORM_URL", "http://platform"}, {"JANUS_SHARED", "platform"}};
  deps.labels = {{"janus.instance", "test"}};
  deps.tick = tick;
  deps.jitter_seed = jitter_seed_;
  gate_ = std::make_shared<pool_gate>(model.name);
  pool_ = sys_.system().spawn(pool, std::move(model), std::move(deps), router_, gate_);
  gate_->pool = pool_;
  sys_.run();
}

void pool_fixture::bring_up(std::size_t index) {
  runtime_.report_started(index);
  sys_.run();
}

std::shared_ptr<lease_reply> pool_fixture::acquire(std::string avoid,
                                                   std::chrono::milliseconds timeout) {
  auto reply = std::make_shared<lease_reply>();
  http::acquire_request request{"m", "req-" + std::to_string(++requests_), timeout,
                                std::move(avoid)};
  caf::anon_send(pool_, acquire_atom::value,
                 acquire_msg{std::move(request), [reply](result<lease> answer) {
                               ++reply->calls;
                               reply->last.emplace(std::move(answer));
                             }});
  sys_.run();
  return reply;
}

cancellable_request pool_fixture::acquire_cancellable(std::shared_ptr<std::atomic<bool>> cancelled) {
  cancellable_request out{std::make_shared<lease_reply>(),
                          cancelled ? std::move(cancelled)
                                    : std::make_shared<std::atomic<bool>>(false)};
  http::acquire_request request{"m", "req-" + std::to_string(++requests_), default_timeout, {},
                                out.cancelled};
  caf::anon_send(pool_, acquire_atom::value,
                 acquire_msg{std::move(request), [reply = out.reply](result<lease> answer) {
                               ++reply->calls;
                               reply->last.emplace(std::move(answer));
                             }});
  sys_.run();
  return out;
}

void pool_fixture::cancel(const cancellable_request& request) {
  request.cancelled->store(true);
  caf::anon_send(pool_, cancel_atom::value, cancel_msg{request.cancelled});
  sys_.run();
}

double pool_fixture::metric(const std::string& name, const std::string& labels) const {
  std::string text;
  registry_.render(text);
  auto wanted = name + "{" + labels + "} ";
  auto at = text.find(wanted);
  if (at == std::string::npos) {
    return -1;
  }
  return std::stod(text.substr(at + wanted.size()));
}

lease pool_fixture::leased(const lease_reply& reply) {
  EXPECT_EQ(reply.calls, 1) << "a lease request must be answered exactly once";
  if (!reply.last) {
    ADD_FAILURE() << "no answer to the lease request";
    return {};
  }
  if (!reply.last->ok()) {
    ADD_FAILURE() << "no lease: " << to_string(reply.last->error().code) << ": "
                  << reply.last->error().message;
    return {};
  }
  return reply.last->value();
}

errc pool_fixture::error_of(const lease_reply& reply) {
  if (!reply.last || reply.last->ok()) {
    return errc::none;
  }
  return reply.last->error().code;
}

std::string pool_fixture::message_of(const lease_reply& reply) {
  if (!reply.last || reply.last->ok()) {
    return {};
  }
  return reply.last->error().message;
}

void pool_fixture::release(const lease& held, lease_outcome outcome) {
  end_lease(held, outcome);
  sys_.run();
}

std::optional<result<drain_report>> pool_fixture::drain() {
  auto answer = std::make_shared<std::optional<result<drain_report>>>();
  caf::anon_send(pool_, drain_atom::value,
                 drain_msg{"m", [answer](result<drain_report> r) { *answer = std::move(r); }});
  sys_.run();
  return *answer;
}

pool_status pool_fixture::status() {
  auto answer = std::make_shared<std::optional<pool_status>>();
  sys_.system().spawn([pool = pool_, answer](caf::event_based_actor* self) {
    self->request(pool, caf::infinite, status_atom::value).then([answer](pool_status& status) {
      *answer = std::move(status);
    });
  });
  sys_.run();
  if (!*answer) {
    ADD_FAILURE() << "the pool did not answer status_atom";
    return {};
  }
  return **answer;
}

std::shared_ptr<int> pool_fixture::request_shutdown() {
  auto replies = std::make_shared<int>(0);
  sys_.system().spawn([pool = pool_, replies](caf::event_based_actor* self) {
    self->request(pool, caf::infinite, shutdown_atom::value).then([replies](shutdown_atom) {
      ++*replies;
    });
  });
  sys_.run();
  return replies;
}

} // namespace janus::actors::test_kit
