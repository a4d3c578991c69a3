#include "runtime/process_runtime.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <set>
#include <thread>

namespace janus {
namespace {

using namespace std::chrono_literals;

/// Records which endpoints were opened and closed; hands out a fixed contract.
class recording_platform : public platform_endpoints {
public:
  result<platform_grant> open(const endpoint_owner& owner) override {
    std::lock_guard lock{mutex_};
    opened_.insert(owner.container);
    platform_grant grant;
    grant.port = 4242;
    grant.token = "token-of-" + owner.container;
    grant.env = {{"JANUS_PLATFORM_URL", "http://127.0.0.1:4242"},
                 {"JANUS_LLM_API_KEY", grant.token}};
    return grant;
  }
  result<platform_grant> open_on(const endpoint_owner& owner, int fd) override {
    return open(owner);
  }
  void close(const std::string& container) override {
    std::lock_guard lock{mutex_};
    closed_.insert(container);
  }
  std::set<std::string> opened() {
    std::lock_guard lock{mutex_};
    return opened_;
  }
  std::set<std::string> closed() {
    std::lock_guard lock{mutex_};
    return closed_;
  }

private:
  std::mutex mutex_;
  std::set<std::string> opened_;
  std::set<std::string> closed_;
};

class process_runtime_platform : public ::testing::Test {
protected:
  void SetUp() override {
    runtime_.emplace(io_, std::vector<std::string>{"PATH"}, std::vector<std::string>{}, &platform_);
    thread_ = std::thread{[this] { io_.run(); }};
  }
  void TearDown() override {
    io_.stop();
    thread_.join();
    runtime_.reset();
  }

  /// Starts `command`; the start's result, and a future of its exit.
  std::pair<result<container_info>, std::shared_future<container_exit>> start(
    std::vector<std::string> command) {
    auto started = std::make_shared<std::promise<result<container_info>>>();
    auto exited = std::make_shared<std::promise<container_exit>>();
    container_spec spec;
    spec.model = "m";
    spec.command = std::move(command);
    spec.env = {{"JANUS_PLATFORM_URL", "from-the-model-env"}};
    runtime_->start(
      spec, [started](result<container_info> info) { started->set_value(std::move(info)); },
      [exited](container_exit exit) { exited->set_value(std::move(exit)); });
    auto answer = started->get_future();
    EXPECT_EQ(answer.wait_for(10s), std::future_status::ready);
    return {answer.get(), exited->get_future().share()};
  }

  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{
    io_.get_executor()};
  recording_platform platform_;
  std::optional<process_runtime> runtime_;
  std::thread thread_;
};

TEST_F(process_runtime_platform, a_child_starts_with_its_endpoint_open_and_its_variables_winning) {
  auto out = std::filesystem::temp_directory_path() / "janus-process-runtime-platform-env";
  std::filesystem::remove(out);
  auto [started, exited] = start({"/bin/sh", "-c", "echo \"$JANUS_PLATFORM_URL $JANUS_LLM_API_KEY\" > "
                                                     + out.string()});
  ASSERT_TRUE(started) << started.error().message;
  auto id = started.value().id;
  ASSERT_EQ(exited.wait_for(10s), std::future_status::ready);
  std::string line;
  std::getline(std::ifstream{out}, line);
  EXPECT_EQ(line, "http://127.0.0.1:4242 token-of-" + id);
  EXPECT_EQ(platform_.opened(), std::set<std::string>{id});
}

TEST_F(process_runtime_platform, the_endpoint_is_closed_when_the_child_exits) {
  auto [started, exited] = start({"/bin/sh", "-c", "exit 3"});
  ASSERT_TRUE(started);
  ASSERT_EQ(exited.wait_for(10s), std::future_status::ready);
  EXPECT_EQ(exited.get().status, 3);
  EXPECT_EQ(platform_.closed(), std::set<std::string>{started.value().id});
}

TEST_F(process_runtime_platform, the_endpoint_is_closed_when_the_child_is_stopped) {
  auto [started, exited] = start({"/bin/sh", "-c", "sleep 30"});
  ASSERT_TRUE(started);
  EXPECT_TRUE(platform_.closed().empty());
  runtime_->stop(started.value().id, 5s);
  ASSERT_EQ(exited.wait_for(10s), std::future_status::ready);
  EXPECT_EQ(platform_.closed(), std::set<std::string>{started.value().id});
}

TEST_F(process_runtime_platform, the_endpoint_is_closed_when_exec_fails) {
  auto script = std::filesystem::temp_directory_path() / "janus-not-a-program";
  std::ofstream{script} << "\x7f not an executable format\n";
  ::chmod(script.c_str(), 0755);
  auto [started, exited] = start({script.string()});
  ASSERT_FALSE(started);
  EXPECT_EQ(platform_.opened().size(), 1u);
  EXPECT_EQ(platform_.closed(), platform_.opened());
}

TEST_F(process_runtime_platform, the_endpoints_of_running_children_are_closed_when_the_runtime_goes) {
  auto [started, exited] = start({"/bin/sh", "-c", "sleep 30"});
  ASSERT_TRUE(started);
  io_.stop();
  thread_.join();
  runtime_.reset();
  EXPECT_EQ(platform_.closed(), std::set<std::string>{started.value().id});
  thread_ = std::thread{[] {}};
}

} // namespace
} // namespace janus
