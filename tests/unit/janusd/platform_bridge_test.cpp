// The bridge between the Docker runtime's isolated containers and the real platform server: a
// token drawn before the container exists is the one its endpoint accepts later, on a listener
// the caller made; an adopted container's own token (from its variables) is accepted; close()
// closes the endpoint. The listeners here are on the host's loopback, standing in for the ones
// made inside a container's namespace (tests/integration/isolation_test.cpp has those).

#include "apps/janusd/platform_bridge.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <system_error>
#include <thread>

#include "metrics/registry.hpp"
#include "tests/support/http_client.hpp"

namespace janus {
namespace {

using namespace std::chrono_literals;

/// A listening TCP socket on a free port of 127.0.0.1, and its port.
std::pair<int, std::uint16_t> loopback_listener() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0
      || ::listen(fd, 16) != 0
      || ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    return {-1, 0};
  }
  return {fd, ntohs(address.sin_port)};
}

test::header_map bearer(const std::string& token) {
  return {{"Authorization", "Bearer " + token}};
}

/// Whether a connection to 127.0.0.1:`port` is refused (or reset) within 2 s.
bool refused_soon(std::uint16_t port) {
  auto deadline = std::chrono::steady_clock::now() + 2s;
  while (std::chrono::steady_clock::now() < deadline) {
    try {
      test::get(port, "/health");
    } catch (const std::system_error&) {
      return true;
    }
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

class platform_bridge_test : public ::testing::Test {
protected:
  platform_bridge_test() : server_(platform_config{}, registry_), bridge_(server_) {
    server_.start();
  }

  metrics::registry registry_;
  http::platform_server server_;
  platform_bridge bridge_;
};

TEST_F(platform_bridge_test, the_token_prepared_before_the_create_is_the_one_the_endpoint_accepts) {
  platform_owner owner{"m", "janus-m-1", {}};
  auto env = bridge_.prepare(owner, 9000);
  EXPECT_EQ(env.at("JANUS_PLATFORM_URL"), "http://127.0.0.1:9000")
    << "the port inside the container, not the listener's here";
  EXPECT_EQ(env.at("JANUS_SEARCH_URL"), "http://127.0.0.1:9000/search");
  const auto token = env.at("JANUS_LLM_API_KEY");
  EXPECT_EQ(token.size(), 64u);
  EXPECT_NE(bridge_.prepare(platform_owner{"m", "janus-m-2", {}}, 9000).at("JANUS_LLM_API_KEY"),
            token);

  auto [fd, port] = loopback_listener();
  ASSERT_GE(fd, 0);
  owner.container_id = "abc123";
  // The variables passed in do not decide the token: what prepare() drew does.
  auto served = bridge_.serve(owner, {{"JANUS_LLM_API_KEY", "not-this"}}, fd);
  ASSERT_FALSE(served) << served->message;
  auto identity = test::get(port, "/health", bearer(token));
  EXPECT_EQ(identity.status, 200u) << identity.body;
  EXPECT_NE(identity.body.find(R"("model":"m","container":"janus-m-1")"), std::string::npos)
    << identity.body;
  EXPECT_EQ(test::get(port, "/health", bearer("not-this")).status, 401u);
}

TEST_F(platform_bridge_test, an_adopted_container_keeps_the_token_it_holds) {
  auto [fd, port] = loopback_listener();
  ASSERT_GE(fd, 0);
  const std::string held(64, 'c');
  auto served = bridge_.serve(platform_owner{"m", "janus-m-7", "def456"},
                              {{"JANUS_LLM_API_KEY", held}}, fd);
  ASSERT_FALSE(served) << served->message;
  EXPECT_EQ(test::get(port, "/health", bearer(held)).status, 200u);
  EXPECT_EQ(test::get(port, "/health", bearer(std::string(64, 'd'))).status, 401u);
}

TEST_F(platform_bridge_test, a_container_without_a_token_gets_no_endpoint_and_its_listener_is_closed) {
  auto [fd, port] = loopback_listener();
  ASSERT_GE(fd, 0);
  auto served = bridge_.serve(platform_owner{"m", "janus-m-8", "0ff"}, {}, fd);
  ASSERT_TRUE(served);
  EXPECT_NE(served->message.find("JANUS_LLM_API_KEY"), std::string::npos) << served->message;
  EXPECT_TRUE(refused_soon(port)) << "the listener was left open";
  EXPECT_EQ(server_.endpoint_count(), 0u);
}

TEST_F(platform_bridge_test, close_ends_the_endpoint_and_forgets_the_prepared_token) {
  platform_owner owner{"m", "janus-m-3", {}};
  auto token = bridge_.prepare(owner, 9000).at("JANUS_LLM_API_KEY");
  auto [fd, port] = loopback_listener();
  ASSERT_GE(fd, 0);
  ASSERT_FALSE(bridge_.serve(owner, {}, fd));
  ASSERT_EQ(test::get(port, "/health", bearer(token)).status, 200u);
  bridge_.close(owner.name);
  EXPECT_TRUE(refused_soon(port)) << "the endpoint still accepts after close()";
  EXPECT_EQ(server_.endpoint_count(), 0u);
  // Forgotten: a later serve under the same name has no token but what the container holds.
  auto [again, again_port] = loopback_listener();
  ASSERT_GE(again, 0);
  EXPECT_TRUE(bridge_.serve(owner, {}, again));
}

} // namespace
} // namespace janus
