#include "apps/janusd/conformance_service.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <exception>

#include "apps/janus-check/check_run.hpp"
#include "apps/janus-check/docker_launcher.hpp"
#include "apps/janus-check/runtime_launcher.hpp"
#include "logging/event.hpp"

namespace janus {

namespace net = boost::asio;

/// One check under way: its launcher (touched on the io thread only) and the admin request's
/// handler, answered once, by the check or by shutdown(), whichever comes first.
struct conformance_service::job {
  std::string model;
  std::unique_ptr<check::container_launcher> launcher;
  /// Answers the admin request if the check outlives its bound (touched on the io thread only).
  std::unique_ptr<net::steady_timer> deadline;
  std::mutex mutex;
  done_handler on_done;

  void answer(result<std::string> outcome) {
    done_handler handler;
    {
      std::lock_guard lock{mutex};
      handler = std::move(on_done);
      on_done = nullptr;
    }
    if (handler) {
      handler(std::move(outcome));
    }
  }
};

namespace {

/// What the overall deadline of a check allows on top of check::longest_check (the runtime's
/// start report and the removal, which that sum leaves out).
constexpr std::chrono::seconds deadline_margin{10};

/// What the admin request learns of a finished check.
result<std::string> outcome_of(const check::check_report& report, const std::string& model) {
  if (check::passed(report)) {
    return "every required rule holds (" + std::to_string(report.took.count()) + " ms)";
  }
  if (!report.environment_error.empty()) {
    auto message = "cannot run the conformance check of model `" + model + "`: "
                   + report.environment_error;
    return error_info{report.subject_missing ? errc::not_conforming : errc::no_capacity,
                      std::move(message)};
  }
  return error_info{errc::not_conforming, "model `" + model + "` (" + report.subject
                                            + ") fails the Janus container contract: "
                                            + check::failure_summary(report)};
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& name : names) {
    out += (out.empty() ? "" : ",") + name;
  }
  return out;
}

} // namespace

conformance_service::conformance_service(net::io_context& io, runtime& backend,
                                         const config& cfg, spec_maker spec_of)
  : io_(io), backend_(backend), runtime_name_(cfg.runtime), docker_(cfg.docker),
    admin_(cfg.admin), spec_of_(std::move(spec_of)) {
}

conformance_service::~conformance_service() {
  std::set<std::shared_ptr<job>> left;
  {
    std::lock_guard lock{mutex_};
    left.swap(jobs_);
  }
  for (const auto& abandoned : left) {
    if (abandoned->launcher) {
      abandoned->launcher->remove_now();
    }
  }
}

void conformance_service::check(const model_config& model, done_handler on_done) {
  auto started = std::make_shared<job>();
  started->model = model.name;
  {
    // Under the lock: shutdown() answers every job it finds, so none may slip in after it.
    std::lock_guard lock{mutex_};
    if (stopping_) {
      on_done(error_info{errc::shutting_down, "janusd is shutting down"});
      return;
    }
    if (static_cast<int>(jobs_.size()) >= admin_.max_conformance_checks) {
      on_done(error_info{errc::no_capacity,
                         std::to_string(admin_.max_conformance_checks)
                           + " conformance checks run already (admin.max_conformance_checks); "
                             "try again when one has ended"});
      return;
    }
    started->on_done = std::move(on_done);
    jobs_.insert(started);
  }
  auto spec = spec_of_(model);
  // janus.engine: the runtime hears of the container's death through its events stream, and a
  // janusd killed during the check removes the container at its next start (it is of no
  // configured model, or not one that is wanted). janus.check tells it apart in `docker ps`.
  spec.labels = {{"janus.engine", docker_.engine_id}, {"janus.check", "1"}};
  check::check_settings settings;
  settings.model = model.name;
  settings.startup_timeout = model.startup_timeout;
  settings.stop_grace = model.stop_grace;
  settings.request_timeout = admin_.conformance_request_timeout;
  auto longest = check::longest_check(settings, docker_.call_timeout);
  logging::event{"conformance check started"}
    .field("model", model.name)
    .field("subject", model.image.empty() ? std::string{"command"} : model.image)
    .field("longest_ms", longest.count())
    .info();
  net::post(io_, [this, started, longest, spec = std::move(spec),
                  settings = std::move(settings)]() mutable {
    // Each step of the check has its own bound; this one holds even if a step misses it.
    started->deadline = std::make_unique<net::steady_timer>(io_, longest + deadline_margin);
    started->deadline->async_wait([started, longest](const boost::system::error_code& ec) {
      if (!ec) {
        started->answer(error_info{errc::internal, "the conformance check of model `"
                                                     + started->model + "` did not end within "
                                                     + std::to_string(longest.count())
                                                     + " ms"});
      }
    });
    // The check's container runs in janusd's own runtime, as the model's containers would: for
    // Docker isolated (or bridged), hardened, with janus-init and its own platform endpoint.
    check::runtime_extras extras;
    if (runtime_name_ == "docker") {
      docker::client api{docker_.socket, docker_.call_timeout};
      // A model that may be pulled is pulled by the runtime's start: the preflight then only
      // checks that the engine answers.
      auto must_be_local = spec.pull == pull_policy::never ? spec.image : std::string{};
      extras.preflight = [api, image = std::move(must_be_local)] {
        return check::docker_preflight(api, image);
      };
      extras.memory = [api](std::string id) { return check::docker_memory(api, std::move(id)); };
    }
    started->launcher = std::make_unique<check::runtime_launcher>(backend_, std::move(spec),
                                                                  std::move(extras));
    net::co_spawn(io_, check::run_check(*started->launcher, std::move(settings)),
                  [this, started](std::exception_ptr error, check::check_report report) {
                    if (error) {
                      std::string what = "unknown";
                      try {
                        std::rethrow_exception(error);
                      } catch (const std::exception& e) {
                        what = e.what();
                      }
                      started->launcher->remove_now();
                      finish(started, error_info{errc::internal,
                                                 "the conformance check failed: " + what});
                      return;
                    }
                    logging::event{"conformance check done"}
                      .field("model", started->model)
                      .field("passed", check::passed(report))
                      .field("failed_rules", joined(check::failed_rules(report)))
                      .field("boot_ms", report.boot ? report.boot->count() : -1)
                      .field("idle_memory_bytes",
                             report.idle_memory
                               ? static_cast<std::int64_t>(report.idle_memory->usage)
                               : std::int64_t{-1})
                      .field("took_ms", report.took.count())
                      .info();
                    finish(started, outcome_of(report, started->model));
                  });
  });
}

void conformance_service::finish(const std::shared_ptr<job>& done, result<std::string> outcome) {
  if (done->deadline) {
    done->deadline->cancel();
  }
  {
    std::lock_guard lock{mutex_};
    jobs_.erase(done);
  }
  done->answer(std::move(outcome));
}

void conformance_service::shutdown() {
  std::set<std::shared_ptr<job>> under_way;
  {
    std::lock_guard lock{mutex_};
    stopping_ = true;
    under_way = jobs_;
  }
  for (const auto& pending : under_way) {
    pending->answer(error_info{errc::shutting_down,
                               "janusd is shutting down: the conformance check of model `"
                                 + pending->model + "` was abandoned"});
  }
}

} // namespace janus
