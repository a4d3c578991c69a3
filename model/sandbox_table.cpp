#include "model/sandbox_table.hpp"

#include <algorithm>

#include "model/sandbox.hpp"

namespace janus {

namespace {

error_info unknown_sandbox(const std::string& id) {
  return error_info{errc::unknown_sandbox, "no sandbox " + id + " exists (it may have ended)"};
}

} // namespace

sandbox_table::sandbox_table(sandbox_limits limits) : limits_(limits) {
}

result<sandbox_record> sandbox_table::create(const std::string& id, std::string image,
                                             std::chrono::milliseconds timeout,
                                             clock::time_point now) {
  if (records_.size() >= static_cast<std::size_t>(limits_.max_sandboxes)) {
    return error_info{errc::sandbox_limit,
                      std::to_string(records_.size()) + " sandboxes exist, the most "
                        "sandbox.max_sandboxes allows: delete one or wait for one to end"};
  }
  if (records_.contains(id)) {
    return error_info{errc::conflict, "the sandbox " + id + " exists already"};
  }
  sandbox_record record;
  record.id = id;
  record.image = std::move(image);
  record.timeout = timeout;
  record.created_at = now;
  record.expires_at = now + timeout;
  records_.emplace(id, record);
  return record;
}

const sandbox_record* sandbox_table::find(const std::string& id, clock::time_point now) const {
  auto it = records_.find(id);
  if (it == records_.end() || it->second.expires_at <= now) {
    return nullptr;
  }
  return &it->second;
}

result<sandbox_container> sandbox_table::reserve(const std::string& id, std::string image,
                                                 std::optional<std::chrono::milliseconds> lifetime,
                                                 clock::time_point now) {
  auto it = records_.find(id);
  if (it == records_.end() || it->second.expires_at <= now) {
    return unknown_sandbox(id);
  }
  auto& record = it->second;
  if (record.containers.size() >= static_cast<std::size_t>(limits_.max_containers_per_sandbox)) {
    return error_info{errc::sandbox_limit,
                      "the sandbox " + id + " runs " + std::to_string(record.containers.size())
                        + " containers, the most sandbox.max_containers_per_sandbox allows"};
  }
  sandbox_container container;
  container.id = "c" + std::to_string(record.next_container++);
  container.model = sandbox_model_name(id, container.id);
  container.image = std::move(image);
  container.expires_at = record.expires_at;
  if (lifetime && *lifetime < record.expires_at - now) {
    container.expires_at = now + *lifetime;
  }
  record.containers.push_back(container);
  return container;
}

bool sandbox_table::confirm(const std::string& id, const std::string& container_id) {
  auto it = records_.find(id);
  if (it == records_.end()) {
    return false;
  }
  for (auto& container : it->second.containers) {
    if (container.id == container_id) {
      container.pending = false;
      return true;
    }
  }
  return false;
}

void sandbox_table::cancel(const std::string& id, const std::string& container_id) {
  auto it = records_.find(id);
  if (it == records_.end()) {
    return;
  }
  auto& containers = it->second.containers;
  containers.erase(std::remove_if(containers.begin(), containers.end(),
                                  [&](const auto& c) { return c.id == container_id; }),
                   containers.end());
}

result<std::string> sandbox_table::model_of(const std::string& id,
                                            const std::string& container_id,
                                            clock::time_point now) const {
  const auto* record = find(id, now);
  if (record == nullptr) {
    return unknown_sandbox(id);
  }
  for (const auto& container : record->containers) {
    if (container.id == container_id && !container.pending && container.expires_at > now) {
      return container.model;
    }
  }
  return error_info{errc::unknown_container,
                    "the sandbox " + id + " has no container " + container_id
                      + " (it may have ended)"};
}

std::optional<std::vector<sandbox_removal>> sandbox_table::remove(const std::string& id) {
  auto it = records_.find(id);
  if (it == records_.end()) {
    return std::nullopt;
  }
  std::vector<sandbox_removal> out;
  for (const auto& container : it->second.containers) {
    if (!container.pending) {
      out.push_back({id, container.id, container.model});
    }
  }
  records_.erase(it);
  return out;
}

std::vector<sandbox_removal> sandbox_table::expire(clock::time_point now) {
  std::vector<sandbox_removal> out;
  for (auto it = records_.begin(); it != records_.end();) {
    auto& record = it->second;
    bool ended = record.expires_at <= now;
    auto& containers = record.containers;
    for (auto c = containers.begin(); c != containers.end();) {
      if (!ended && c->expires_at > now) {
        ++c;
        continue;
      }
      if (c->pending) {
        // Its run removes the pool when confirm() fails; the sandbox ending takes it along.
        ++c;
        continue;
      }
      out.push_back({record.id, c->id, c->model});
      c = containers.erase(c);
    }
    if (ended) {
      it = records_.erase(it);
    } else {
      ++it;
    }
  }
  return out;
}

bool sandbox_table::is_sandbox_model(const std::string& model) const {
  for (const auto& [id, record] : records_) {
    for (const auto& container : record.containers) {
      if (container.model == model) {
        return true;
      }
    }
  }
  return false;
}

} // namespace janus
