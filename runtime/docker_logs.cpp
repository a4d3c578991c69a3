#include "runtime/docker_logs.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "logging/event.hpp"
#include "runtime/docker_log_frames.hpp"
#include "runtime/line_cutter.hpp"

namespace janus {

namespace net = boost::asio;

docker_logs::docker_logs(net::any_io_executor executor, const docker::client& api,
                         container_logs& logs)
  : executor_(std::move(executor)), api_(api), logs_(logs) {
}

docker_logs::~docker_logs() {
  for (auto& [id, f] : streams_) {
    f->active = false;
    f->stream->close();
    logs_.close(id);
  }
}

std::string docker_logs::logs_path(std::string_view id, std::int64_t since) {
  return "/containers/" + std::string{id} + "/logs?follow=1&stdout=1&stderr=1&since="
         + std::to_string(since);
}

void docker_logs::follow(const std::string& id, const std::string& model, std::int64_t since) {
  forget(id);
  auto f = std::make_shared<follower>(follower{id, std::make_shared<docker::response_stream>(executor_), true});
  streams_.emplace(id, f);
  logs_.open(id, model);
  net::co_spawn(executor_, run(std::move(f), since), net::detached);
}

void docker_logs::forget(const std::string& id) {
  auto it = streams_.find(id);
  if (it == streams_.end()) {
    return;
  }
  auto f = it->second;
  f->stream->close(); // a pending next() ends
  finish(f);
}

void docker_logs::finish(const std::shared_ptr<follower>& self) {
  if (!self->active) {
    return;
  }
  self->active = false;
  streams_.erase(self->id);
  logs_.close(self->id);
}

net::awaitable<void> docker_logs::run(std::shared_ptr<follower> self, std::int64_t since) {
  auto path = logs_path(self->id, since);
  auto opened = co_await self->stream->open(api_, path);
  if (!self->active) {
    co_return;
  }
  if (opened.status != 200) {
    logging::event{"docker: cannot follow a container's output"}
      .field("container", self->id)
      .field("detail", opened.message())
      .warn();
    finish(self);
    co_return;
  }
  docker_log_frames frames;
  auto max_line = logs_.limits().max_line_bytes;
  line_cutter out{max_line};
  line_cutter err{max_line};
  auto to_logs = [this, &self](log_stream stream) {
    return [this, &self, stream](std::string_view line, bool cut) {
      logs_.line(self->id, stream, line, cut);
    };
  };
  while (self->active) {
    auto piece = co_await self->stream->next();
    if (!self->active) {
      co_return; // forgotten meanwhile: its logs are closed
    }
    if (!piece) {
      break; // the container stopped, or the engine went
    }
    bool intact = frames.feed(*piece, [&](log_stream stream, std::string_view bytes) {
      auto& lines = stream == log_stream::stderr_stream ? err : out;
      lines.feed(bytes, to_logs(stream));
    });
    if (!intact) {
      logging::event{"docker: a container's log stream breaks its frame format; not followed"}
        .field("container", self->id)
        .warn();
      self->stream->close();
      break;
    }
  }
  out.finish(to_logs(log_stream::stdout_stream));
  err.finish(to_logs(log_stream::stderr_stream));
  finish(self);
}

} // namespace janus
