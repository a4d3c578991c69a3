#include "apps/janus-check/check_run.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <map>

#include "apps/janus-check/probe_client.hpp"

namespace janus::check {

namespace {

namespace net = boost::asio;
namespace bhttp = boost::beast::http;
using clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

/// How often the wait for readiness asks whether the container ended.
constexpr milliseconds ended_poll{500};

milliseconds since(clock::time_point start) {
  return std::chrono::duration_cast<milliseconds>(clock::now() - start);
}

rule_result skipped(rule_id rule, std::string why, bool required = true) {
  return rule_result{rule, required, verdict::skip, std::move(why)};
}

net::awaitable<health_observation> wait_until_ready(container_launcher& via,
                                                    const check_settings& settings,
                                                    clock::time_point started) {
  health_observation seen;
  seen.timeout = settings.startup_timeout;
  auto deadline = started + settings.startup_timeout;
  auto next_ended_poll = started + ended_poll;
  auto executor = co_await net::this_coro::executor;
  net::steady_timer pause{executor};
  std::string health_path = "/health";
  std::string no_body;
  while (true) {
    auto left = std::chrono::duration_cast<milliseconds>(deadline - clock::now());
    if (left <= milliseconds::zero()) {
      break;
    }
    auto probe_for = std::min(probe_timeout, left);
    auto answer = co_await exchange(via, bhttp::verb::get, health_path, no_body, probe_for);
    ++seen.probes;
    if (answer.status == 200) {
      seen.ready = true;
      seen.boot = since(started);
      co_return seen;
    }
    seen.last_failure = answer.status == 0 ? answer.error
                                           : "status " + std::to_string(answer.status);
    if (clock::now() >= next_ended_poll) {
      next_ended_poll = clock::now() + ended_poll;
      auto ended = co_await via.ended();
      if (!ended.empty()) {
        seen.exited = std::move(ended);
        seen.boot = since(started);
        co_return seen;
      }
    }
    pause.expires_after(probe_interval);
    co_await pause.async_wait(net::as_tuple(net::use_awaitable));
  }
  seen.boot = since(started);
  seen.exited = co_await via.ended();
  co_return seen;
}

} // namespace

std::string chat_body(const std::string& model, bool stream, bool usage) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> out{buffer};
  out.StartObject();
  out.Key("model");
  out.String(model.data(), static_cast<rapidjson::SizeType>(model.size()));
  out.Key("messages");
  out.StartArray();
  out.StartObject();
  out.Key("role");
  out.String("user");
  out.Key("content");
  out.String("Say hello to the Janus conformance check.");
  out.EndObject();
  out.EndArray();
  out.Key("max_tokens");
  out.Int(16);
  if (stream) {
    out.Key("stream");
    out.Bool(true);
    if (usage) {
      out.Key("stream_options");
      out.StartObject();
      out.Key("include_usage");
      out.Bool(true);
      out.EndObject();
    }
  }
  out.EndObject();
  return std::string{buffer.GetString(), buffer.GetSize()};
}

std::string malformed_body(const std::string& model) {
  auto whole = chat_body(model, false, false);
  return whole.substr(0, whole.size() / 2);
}

net::awaitable<check_report> run_check(container_launcher& via, check_settings settings) {
  auto began = clock::now();
  check_report report;
  report.subject = via.subject();
  auto launched = co_await via.launch();
  if (launched.fault == launch_fault::engine_unreachable
      || launched.fault == launch_fault::image_missing) {
    report.environment_error = launched.message;
    report.subject_missing = launched.fault == launch_fault::image_missing;
    co_await via.remove();
    report.took = since(began);
    co_return report;
  }
  report.runner = via.description();
  std::map<rule_id, rule_result> results;

  health_observation health;
  health.timeout = settings.startup_timeout;
  if (launched.fault == launch_fault::start_failed) {
    health.start_failure = launched.message;
  } else {
    health = co_await wait_until_ready(via, settings, launched.started_at);
  }
  results[rule_id::health] = judge_health(health);
  if (health.ready) {
    report.boot = health.boot;
  }

  const std::string not_ready = "not checked: GET /health never answered 200";
  const std::string not_ours = "skipped: janus-check did not start this server (--url)";
  if (!via.started_by_check()) {
    results[rule_id::idle_memory] = skipped(rule_id::idle_memory, not_ours, false);
  } else if (!health.ready) {
    results[rule_id::idle_memory] = skipped(rule_id::idle_memory, not_ready, false);
  } else {
    auto memory = co_await via.memory();
    results[rule_id::idle_memory] = judge_idle_memory(memory, settings.max_idle_memory);
    report.idle_memory = memory.reading;
  }

  if (health.ready) {
    auto timeout = settings.request_timeout;
    std::string chat_path = "/v1/chat/completions";
    auto plain = chat_body(settings.model, false, false);
    auto chat = co_await exchange(via, bhttp::verb::post, chat_path, plain, timeout);
    results[rule_id::chat] = judge_chat(chat);
    auto streamed = chat_body(settings.model, true, false);
    auto stream = co_await exchange(via, bhttp::verb::post, chat_path, streamed, timeout);
    results[rule_id::stream] = judge_stream(stream);
    auto with_usage = chat_body(settings.model, true, true);
    auto usage = co_await exchange(via, bhttp::verb::post, chat_path, with_usage, timeout);
    results[rule_id::stream_usage] = judge_stream_usage(usage);
    std::string models_path = "/v1/models";
    std::string no_body;
    auto models = co_await exchange(via, bhttp::verb::get, models_path, no_body, timeout);
    results[rule_id::models] = judge_models(models);
    auto broken = malformed_body(settings.model);
    auto errors = co_await exchange(via, bhttp::verb::post, chat_path, broken, timeout);
    results[rule_id::errors] = judge_errors(errors);
  } else {
    for (auto rule : {rule_id::chat, rule_id::stream, rule_id::stream_usage, rule_id::models,
                      rule_id::errors}) {
      results[rule] = skipped(rule, not_ready);
    }
  }

  if (!via.started_by_check()) {
    results[rule_id::sigterm] = skipped(rule_id::sigterm, not_ours);
  } else if (launched.fault != launch_fault::none) {
    results[rule_id::sigterm] = skipped(rule_id::sigterm, "not checked: the container did not start");
  } else if (!health.exited.empty()) {
    results[rule_id::sigterm] = skipped(rule_id::sigterm,
                                        "not checked: the container had ended already");
  } else {
    auto stop = co_await via.stop(settings.stop_grace);
    results[rule_id::sigterm] = judge_sigterm(stop);
    if (stop.error.empty() && !stop.still_running) {
      report.sigterm = stop.took;
    }
  }
  co_await via.remove();

  for (auto rule : all_rules) {
    report.rules.push_back(results.at(rule));
  }
  report.took = since(began);
  co_return report;
}

} // namespace janus::check
