#include "tests/integration/docker_fixture.hpp"

#include <sys/wait.h>

#include <array>
#include <atomic>
#include <memory>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

namespace janus::test {

using namespace std::chrono_literals;

command_result sh(const std::string& command, bool raw) {
  command_result result;
  std::FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) {
    return result;
  }
  std::array<char, 4096> buffer{};
  std::size_t n = 0;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) {
    result.out.append(buffer.data(), n);
  }
  int status = ::pclose(pipe);
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  while (!raw && !result.out.empty() && (result.out.back() == '\n' || result.out.back() == ' ')) {
    result.out.pop_back();
  }
  return result;
}

std::vector<std::string> words(const std::string& text) {
  std::istringstream in{text};
  std::vector<std::string> out;
  for (std::string word; in >> word;) {
    out.push_back(word);
  }
  return out;
}

std::size_t count_of(const std::string& text, const std::string& needle) {
  std::size_t count = 0;
  for (auto pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1)) {
    ++count;
  }
  return count;
}

std::string chat(const std::string& model, const std::string& text, const std::string& extra) {
  std::string body = R"({"model":")" + model + R"(","messages":[{"role":"user","content":")" + text
                     + R"("}])";
  if (!extra.empty()) {
    body += "," + extra;
  }
  return body + "}";
}

std::vector<std::future<stream_result>> start_streams(std::uint16_t port, const std::string& body,
                                                      int count, std::chrono::milliseconds timeout) {
  auto started = std::make_shared<std::atomic<int>>(0);
  std::vector<std::future<stream_result>> streams;
  for (int i = 0; i < count; ++i) {
    streams.push_back(std::async(std::launch::async, [port, body, started] {
      stream_options options;
      options.on_frame = [started, first = true](const sse_frame&) mutable {
        if (first) {
          first = false;
          ++*started;
        }
      };
      try {
        return post_json_streaming(port, "/v1/chat/completions", body, options);
      } catch (const std::exception& e) {
        stream_result failed;
        failed.error = e.what();
        return failed;
      }
    }));
  }
  eventually(timeout, [&] { return started->load() == count; });
  return streams;
}

std::string image_model(const std::string& name, const std::string& settings,
                        const std::string& image) {
  return "  " + name + ":\n    image: " + image
         + "\n    env:\n      JANUS_BASELINE_CREATED: \"1700000000\"\n" + settings;
}

// -- docker_runtime -----------------------------------------------------------------------------

void docker_runtime::SetUpTestSuite() {
  auto info = sh("docker info --format '{{.ServerVersion}}'");
  if (info.status != 0) {
    unavailable_ = "no Docker engine answers (`docker info`: " + info.out
                   + "); scripts/test.sh starts dockerd";
    return;
  }
  auto built = sh("JANUS_BASELINE_BIN=" + image_baseline_bin() + " "
                  + std::string{JANUS_SOURCE_DIR} + "/scripts/build-images.sh --no-python");
  if (built.status != 0) {
    unavailable_ = "cannot build the baseline images: " + built.out;
  }
}

void docker_runtime::SetUp() {
  if (!unavailable_.empty()) {
    if (const char* ci = std::getenv("CI"); ci != nullptr && std::string{ci} == "true") {
      FAIL() << "CI=true and the Docker tests cannot run: " << unavailable_;
    }
    GTEST_SKIP() << "Docker tests skipped: " << unavailable_;
  }
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  engine_id_ = "jt-" + std::string{info->name()}.substr(0, 56);
  remove_all();
}

void docker_runtime::TearDown() {
  janusd_fixture::TearDown();
  if (HasFailure() && !engine_id_.empty()) {
    std::cerr << "--- containers of " << engine_id_ << " ---\n"
              << sh(docker_ + " ps -a --filter label=janus.engine=" + engine_id_).out << "\n";
  }
  if (janusd_ && janusd_->running()) {
    // The graceful stop also waits for starts under way; a SIGKILL could leave a create that
    // the daemon completes after the removal below.
    janusd_->signal(SIGTERM);
    janusd_->wait_for_exit(30s);
  }
  janusd_.reset();
  if (!engine_id_.empty()) {
    remove_all();
  }
}

void docker_runtime::start_docker(const std::string& models_yaml, const std::string& server_yaml,
                                  bool wait_ready, const std::string& docker_yaml) {
  top_level_yaml_ = "runtime: docker\ndocker:\n  engine_id: " + engine_id_ + "\n";
  if (!docker_socket_.empty()) {
    top_level_yaml_ += "  socket: " + docker_socket_ + "\n";
  }
  top_level_yaml_ += docker_yaml;
  start(models_yaml, server_yaml, wait_ready);
}

std::set<std::string> docker_runtime::containers(bool all) {
  auto listed = sh(docker_ + " ps -q" + (all ? " -a" : "") + " --filter label=janus.engine="
                   + engine_id_);
  EXPECT_EQ(listed.status, 0) << listed.out;
  auto ids = words(listed.out);
  std::set<std::string> out{ids.begin(), ids.end()};
  if (all && janusd_ && janusd_->running()) {
    for (const auto& id : prepared()) {
      out.erase(id);
    }
  }
  return out;
}

std::set<std::string> docker_runtime::prepared() {
  auto listed = sh(docker_ + " ps -aq --filter status=created --filter label=janus.engine="
                   + engine_id_);
  EXPECT_EQ(listed.status, 0) << listed.out;
  auto ids = words(listed.out);
  return {ids.begin(), ids.end()};
}

std::string docker_runtime::inspect(const std::string& id, const std::string& format) {
  return sh(docker_ + " inspect --format '" + format + "' " + id).out;
}

void docker_runtime::remove_all() {
  sh(docker_ + " ps -aq --filter label=janus.engine=" + engine_id_ + " | xargs -r " + docker_
     + " rm -f");
}

// -- private_dockerd ----------------------------------------------------------------------------

private_dockerd::private_dockerd(const std::filesystem::path& dir) : dir_{dir} {
  std::filesystem::remove_all(dir_ / "exec");
  std::filesystem::create_directories(dir_ / "data");
  std::filesystem::create_directories(dir_ / "exec");
  // The first free name jt100 ... jt199: `ip link add` fails for a name another test holds.
  for (int n = 100; n < 200 && !bridge_made_; ++n) {
    auto name = "jt" + std::to_string(n);
    if (sh("ip link add " + name + " type bridge").status == 0) {
      bridge_ = name;
      subnet_ = n;
      bridge_made_ = true;
    }
  }
  if (!bridge_made_) {
    error_ = "cannot create a bridge jt100..jt199 (`ip link add`; root is needed)";
    return;
  }
  auto up = sh("ip addr add 10.231." + std::to_string(subnet_) + ".1/24 dev " + bridge_
               + " && ip link set " + bridge_ + " up");
  if (up.status != 0) {
    error_ = "cannot set up bridge " + bridge_ + ": " + up.out;
  }
}

private_dockerd::~private_dockerd() {
  if (daemon_) {
    stop(20s);
    daemon_.reset();
  }
  // Whatever the daemon left mounted under its folders (network namespaces, overlays).
  std::ifstream mounts{"/proc/mounts"};
  std::vector<std::string> under;
  for (std::string line; std::getline(mounts, line);) {
    auto fields = words(line);
    if (fields.size() > 1 && fields[1].starts_with(dir_.string() + "/")) {
      under.push_back(fields[1]);
    }
  }
  for (auto it = under.rbegin(); it != under.rend(); ++it) {
    sh("umount -l '" + *it + "'");
  }
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
  if (bridge_made_) {
    sh("ip link del " + bridge_);
  }
}

bool private_dockerd::start(std::chrono::milliseconds timeout) {
  if (!error_.empty()) {
    return false;
  }
  daemon_.emplace(std::vector<std::string>{"dockerd", "--data-root", (dir_ / "data").string(),
                                           "--exec-root", (dir_ / "exec").string(), "--pidfile",
                                           (dir_ / "dockerd.pid").string(), "-H",
                                           "unix://" + socket().string(), "--bridge", bridge_,
                                           "--iptables=false", "--ip-masq=false",
                                           "--ip6tables=false"},
                  std::map<std::string, std::string>{}, dir_ / "dockerd.log");
  if (!eventually(timeout, [&] {
        return !daemon_->running() || sh(cli() + " version --format '{{.Server.Version}}'").status == 0;
      })
      || !daemon_->running()) {
    error_ = "the private dockerd did not answer within "
             + std::to_string(timeout.count()) + " ms; its log:\n" + log();
    return false;
  }
  return true;
}

bool private_dockerd::stop(std::chrono::milliseconds timeout) {
  if (!daemon_ || !daemon_->running()) {
    return true;
  }
  daemon_->signal(SIGTERM);
  if (daemon_->wait_for_exit(timeout)) {
    return true;
  }
  daemon_->signal(SIGKILL);
  daemon_->wait_for_exit(5s);
  return false;
}

bool private_dockerd::load_image(const std::string& image) {
  auto loaded = sh("docker save " + image + " | " + cli() + " load");
  if (loaded.status != 0) {
    error_ = "cannot load " + image + " into the private dockerd: " + loaded.out;
    return false;
  }
  return true;
}

std::string private_dockerd::cli() const {
  return "docker -H unix://" + socket().string();
}

std::string private_dockerd::log() const {
  std::ifstream file{dir_ / "dockerd.log"};
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

} // namespace janus::test
