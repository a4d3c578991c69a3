#include "tests/integration/janusd_fixture.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>

#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "tests/support/http_client.hpp"
#include "tests/support/ports.hpp"
#include "tests/support/slowdown.hpp"

namespace janus::test {

std::string bin_path(const std::string& name) {
  return std::string{JANUS_BIN_DIR} + "/" + name;
}

std::string image_baseline_bin() {
  const char* bin = std::getenv("JANUS_BASELINE_BIN");
  return bin != nullptr && *bin != '\0' ? std::string{bin} : bin_path("janus-baseline");
}

namespace {

/// The whole content of a /proc file, "" when it cannot be read. Plain read(2): a process that
/// exits while its file is read makes read fail with ESRCH, which std::ifstream turns into an
/// exception.
std::string read_proc_file(const std::string& path) {
  std::string text;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return text;
  }
  char chunk[4096];
  ssize_t n = 0;
  while ((n = ::read(fd, chunk, sizeof(chunk))) > 0) {
    text.append(chunk, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return n < 0 ? std::string{} : text;
}

} // namespace

std::set<pid_t> children_of(pid_t pid) {
  std::set<pid_t> out;
  auto task_dir = "/proc/" + std::to_string(pid) + "/task";
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator{task_dir, ec};
       !ec && it != std::filesystem::directory_iterator{}; it.increment(ec)) {
    std::istringstream children{read_proc_file((it->path() / "children").string())};
    pid_t child = 0;
    while (children >> child) {
      out.insert(child);
    }
  }
  return out;
}

bool process_alive(pid_t pid) {
  auto text = read_proc_file("/proc/" + std::to_string(pid) + "/stat");
  auto close = text.rfind(')');
  if (close == std::string::npos || close + 2 >= text.size()) {
    return false;
  }
  return text[close + 2] != 'Z';
}

std::string environment_of(pid_t pid, const std::string& name) {
  std::istringstream environ{read_proc_file("/proc/" + std::to_string(pid) + "/environ")};
  std::string entry;
  auto prefix = name + "=";
  while (std::getline(environ, entry, '\0')) {
    if (entry.starts_with(prefix)) {
      return entry.substr(prefix.size());
    }
  }
  return {};
}

std::uint64_t soft_fd_limit_of(pid_t pid) {
  std::istringstream limits{read_proc_file("/proc/" + std::to_string(pid) + "/limits")};
  std::string line;
  while (std::getline(limits, line)) {
    if (line.starts_with("Max open files")) {
      std::istringstream fields{line.substr(std::string_view{"Max open files"}.size())};
      std::string soft;
      fields >> soft;
      return soft == "unlimited" ? UINT64_MAX : std::stoull(soft);
    }
  }
  return 0;
}

bool eventually(std::chrono::milliseconds timeout, const std::function<bool()>& condition) {
  auto deadline = std::chrono::steady_clock::now() + scaled(timeout);
  while (true) {
    if (condition()) {
      return true;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::filesystem::path test_dir() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  auto dir = std::filesystem::temp_directory_path() / "janus-tests"
             / (std::string{info->test_suite_name()} + "." + info->name());
  std::filesystem::create_directories(dir);
  return dir;
}

void janusd_fixture::start(const std::string& models_yaml, const std::string& server_yaml,
                           bool wait_ready) {
  dir_ = test_dir();
  port_ = free_port();
  std::ostringstream yaml;
  yaml << config_text(models_yaml, server_yaml);
  auto config_path = dir_ / "janusd.yaml";
  std::ofstream{config_path} << yaml.str();
  auto argv = launcher_;
  argv.insert(argv.end(), {bin_path("janusd"), "--config", config_path.string()});
  janusd_.emplace(std::move(argv), env_, dir_ / "janusd.log");
  if (wait_ready) {
    ASSERT_TRUE(wait_for_http(port_, "/ready", std::chrono::seconds(20)))
      << "janusd did not become ready";
  }
}

std::string janusd_fixture::config_text(const std::string& models_yaml,
                                        const std::string& server_yaml) const {
  std::ostringstream yaml;
  yaml << "server:\n  listen: \"127.0.0.1:" << port_ << "\"\n  threads: 2\n" << server_yaml
       << "log:\n" << log_yaml_
       << top_level_yaml_
       << "models:\n"
       << models_yaml;
  return yaml.str();
}

void janusd_fixture::reload(const std::string& models_yaml, const std::string& server_yaml) {
  ASSERT_TRUE(janusd_.has_value()) << "start() first";
  {
    // A new file renamed over the old: janusd never reads half of it.
    auto fresh = dir_ / "janusd.yaml.new";
    std::ofstream{fresh} << config_text(models_yaml, server_yaml);
    std::filesystem::rename(fresh, dir_ / "janusd.yaml");
  }
  janusd_->signal(SIGHUP);
}

std::optional<double> janusd_fixture::metric(const std::string& name, const std::string& labels) {
  auto page = get(port_, "/metrics");
  auto wanted = labels.empty() ? name + " " : name + "{" + labels + "} ";
  std::istringstream lines{page.body};
  std::string line;
  while (std::getline(lines, line)) {
    if (line.starts_with(wanted)) {
      return std::stod(line.substr(wanted.size()));
    }
  }
  return std::nullopt;
}

std::future<stream_result> janusd_fixture::stream_in_background(std::string body,
                                                                std::promise<void>& first_frame) {
  return std::async(std::launch::async, [port = port_, body = std::move(body), &first_frame] {
    bool told = false;
    stream_options options;
    options.on_frame = [&](const sse_frame&) {
      if (!told) {
        told = true;
        first_frame.set_value();
      }
    };
    return post_json_streaming(port, "/v1/chat/completions", body, options);
  });
}

std::set<pid_t> janusd_fixture::model_processes() {
  return janusd_ ? children_of(janusd_->pid()) : std::set<pid_t>{};
}

void janusd_fixture::TearDown() {
  if (HasFailure() && janusd_) {
    std::cerr << "--- janusd log (" << janusd_->log_file() << ") ---\n"
              << janusd_->log() << "--- end of log ---\n";
  }
}

} // namespace janus::test
