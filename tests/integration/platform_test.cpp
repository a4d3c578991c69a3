// The platform server in-process, with real upstreams on 127.0.0.1: janus-baseline as the LLM,
// a recording HTTP server, a TLS server whose certificate the test makes. Containers are played
// by the test's own HTTP client on the endpoint's port.

#include "http/platform_server.hpp"
#include "metrics/registry.hpp"
#include "tests/integration/janusd_fixture.hpp"
#include "tests/integration/test_upstream.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/ports.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <gtest/gtest.h>

#include <sys/socket.h>

#include <filesystem>
#include <future>
#include <thread>

namespace janus::test {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

const std::string baseline_binary = std::string(JANUS_BIN_DIR) + "/janus-baseline";

platform_route route_to(const std::string& prefix, const std::string& upstream) {
  platform_route route;
  route.prefix = prefix;
  route.upstream = upstream;
  return route;
}

/// A janus-baseline on a free port, as the platform's LLM.
struct baseline_llm {
  explicit baseline_llm(std::map<std::string, std::string> env = {}) : port(free_port()) {
    env["PORT"] = std::to_string(port);
    env["HOST"] = "127.0.0.1";
    process.emplace(std::vector<std::string>{baseline_binary}, env, test_dir() / "llm.log");
    EXPECT_TRUE(wait_for_http(port, "/health", 10s)) << "the baseline LLM did not come up";
  }
  std::uint16_t port;
  std::optional<child_process> process;
};

class platform_server_test : public ::testing::Test {
protected:
  /// Starts the server with `cfg` and opens one endpoint for container m-1 of model m.
  void start(platform_config cfg) {
    server_.emplace(std::move(cfg), registry_);
    server_->start();
    auto grant = server_->open(endpoint_owner{"m", "m-1"});
    ASSERT_TRUE(grant) << grant.error().message;
    grant_ = grant.value();
  }

  header_map auth() const {
    return {{"Authorization", "Bearer " + grant_.token}};
  }

  std::string metrics_page() const {
    std::string out;
    registry_.render(out);
    return out;
  }

  /// The metrics page once it holds `series` (a call is counted when its last byte was
  /// written, a moment after the client read it), or as it is after 2 s.
  std::string metrics_page_with(std::string_view series) const {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{2};
    auto page = metrics_page();
    while (page.find(series) == std::string::npos && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds{10});
      page = metrics_page();
    }
    return page;
  }

  metrics::registry registry_;
  std::optional<http::platform_server> server_;
  platform_grant grant_;
};

TEST_F(platform_server_test, an_endpoint_gives_the_container_contract_pointing_at_itself) {
  start({});
  auto base = "http://127.0.0.1:" + std::to_string(grant_.port);
  EXPECT_EQ(grant_.env.at("JANUS_PLATFORM_URL"), base);
  EXPECT_EQ(grant_.env.at("JANUS_SEARCH_URL"), base + "/search");
  EXPECT_EQ(grant_.env.at("JANUS_MEMORY_URL"), base + "/memory");
  EXPECT_EQ(grant_.env.at("JANUS_LLM_API_KEY"), grant_.token);
  EXPECT_GE(grant_.token.size(), 32u); // 128 bits as hex at least
  EXPECT_EQ(grant_.env.count("HTTPS_PROXY"), 0u) << "no egress configured";
  auto other = server_->open(endpoint_owner{"m", "m-2"});
  ASSERT_TRUE(other);
  EXPECT_NE(other.value().token, grant_.token);
  EXPECT_NE(other.value().port, grant_.port);
}

TEST_F(platform_server_test, a_call_without_the_container_token_is_refused_with_401) {
  start({});
  auto none = get(grant_.port, "/health");
  EXPECT_EQ(none.status, 401u);
  EXPECT_NE(none.body.find("\"code\":\"unauthorized\""), std::string::npos) << none.body;
  auto wrong = get(grant_.port, "/health", {{"Authorization", "Bearer " + std::string(64, 'a')}});
  EXPECT_EQ(wrong.status, 401u);
  auto right = get(grant_.port, "/health", auth());
  EXPECT_EQ(right.status, 200u);
  EXPECT_NE(right.body.find("\"container\":\"m-1\""), std::string::npos) << right.body;
}

TEST_F(platform_server_test, an_unlisted_path_gets_an_openai_shaped_404_and_an_unset_route_a_503_naming_it) {
  platform_config cfg;
  cfg.routes = default_platform_routes();
  start(cfg);
  auto unlisted = get(grant_.port, "/v1/models", auth());
  EXPECT_EQ(unlisted.status, 404u);
  EXPECT_NE(unlisted.body.find(R"("error":{"message":"no platform route serves /v1/models")"),
            std::string::npos)
    << unlisted.body;
  auto unset = post_json(grant_.port, "/v1/embeddings", "{}", auth());
  EXPECT_EQ(unset.status, 503u);
  EXPECT_NE(unset.body.find("platform.routes./v1/embeddings.upstream"), std::string::npos)
    << unset.body;
  constexpr std::string_view unmatched =
    R"(janus_platform_requests_total{model="m",route="unmatched",code="404"} 1)";
  auto page = metrics_page_with(unmatched);
  EXPECT_NE(page.find(unmatched), std::string::npos) << page;
}

TEST_F(platform_server_test, the_injected_header_arrives_and_the_container_token_never_leaves) {
  test_upstream recorder;
  platform_config cfg;
  auto route = route_to("/memory/query", "http://127.0.0.1:" + std::to_string(recorder.port())
                                           + "/api/memory/query");
  route.headers.push_back({"Authorization", "Bearer real-secret", "test"});
  route.headers.push_back({"X-Api-Version", "7", "test"});
  cfg.routes.push_back(route);
  start(cfg);
  auto headers = auth();
  headers["x-request-id"] = "req-42";
  headers["X-Api-Version"] = "from-container";
  headers["Proxy-Authorization"] = "Bearer " + grant_.token;
  auto answer = post_json(grant_.port, "/memory/query/deep?k=3", R"({"q":"x"})", headers);
  ASSERT_EQ(answer.status, 200u) << answer.body;
  EXPECT_EQ(answer.header("x-upstream"), "test");
  auto seen = recorder.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].target, "/api/memory/query/deep?k=3");
  EXPECT_EQ(seen[0].headers["authorization"], "Bearer real-secret");
  EXPECT_EQ(seen[0].headers["x-api-version"], "7");
  EXPECT_EQ(seen[0].headers["x-request-id"], "req-42");
  EXPECT_EQ(seen[0].headers["host"], "127.0.0.1:" + std::to_string(recorder.port()));
  EXPECT_EQ(seen[0].body, R"({"q":"x"})");
  EXPECT_EQ(seen[0].raw.find(grant_.token), std::string::npos) << seen[0].raw;
  EXPECT_EQ(seen[0].headers.count("proxy-authorization"), 0u);
}

TEST_F(platform_server_test, the_llm_route_relays_a_stream_chunk_by_chunk) {
  baseline_llm llm{{{"JANUS_BASELINE_TOKENS", "5"}, {"JANUS_BASELINE_TOKEN_DELAY_MS", "100"}}};
  platform_config cfg;
  cfg.routes.push_back(route_to("/v1/chat/completions",
                                "http://127.0.0.1:" + std::to_string(llm.port)
                                  + "/v1/chat/completions"));
  start(cfg);
  auto streamed = post_json_streaming(
    grant_.port, "/v1/chat/completions",
    R"({"model":"m","stream":true,"messages":[{"role":"user","content":"a b c d e"}]})", {},
    auth());
  ASSERT_EQ(streamed.status, 200u) << streamed.body;
  EXPECT_TRUE(streamed.complete) << streamed.error;
  EXPECT_EQ(streamed.header("content-type"), "text/event-stream");
  ASSERT_GE(streamed.frames.size(), 7u) << streamed.body;
  auto spread = streamed.frames.back().at - streamed.frames.front().at;
  EXPECT_GE(spread, 300ms) << "the frames came at once: the answer was buffered";
  EXPECT_EQ(sse_data_lines(streamed.body).back(), "[DONE]");
  auto page = metrics_page_with(
    R"(janus_platform_requests_total{model="m",route="/v1/chat/completions",code="200"} 1)");
  EXPECT_NE(page.find(R"(janus_platform_requests_total{model="m",route="/v1/chat/completions",code="200"} 1)"),
            std::string::npos)
    << page;
  EXPECT_NE(page.find(R"(janus_platform_bytes_total{model="m",route="/v1/chat/completions",direction="response"})"),
            std::string::npos);
}

TEST_F(platform_server_test, a_stream_its_upstream_cuts_ends_with_an_error_frame_and_done) {
  baseline_llm llm{{{"JANUS_BASELINE_TOKENS", "5"}}};
  platform_config cfg;
  cfg.routes.push_back(route_to("/v1/chat/completions",
                                "http://127.0.0.1:" + std::to_string(llm.port)
                                  + "/v1/chat/completions"));
  start(cfg);
  // The LLM closes its connection after two tokens, in the middle of the answer.
  auto streamed = post_json_streaming(
    grant_.port, "/v1/chat/completions",
    R"({"model":"m","stream":true,"messages":[{"role":"user","content":"a b c d e"}],)"
    R"("janus_baseline":{"abort_after_tokens":2}})",
    {}, auth());
  ASSERT_EQ(streamed.status, 200u) << streamed.body;
  EXPECT_TRUE(streamed.complete) << "the stream was cut instead of ended: " << streamed.error;
  auto data = sse_data_lines(streamed.body);
  ASSERT_GE(data.size(), 2u) << streamed.body;
  EXPECT_EQ(data.back(), "[DONE]") << streamed.body;
  const auto& error_frame = data[data.size() - 2];
  EXPECT_NE(error_frame.find(R"("error")"), std::string::npos) << streamed.body;
  EXPECT_NE(error_frame.find("upstream_error"), std::string::npos) << error_frame;
  EXPECT_EQ(error_frame.find("127.0.0.1"), std::string::npos)
    << "the error frame names the platform's upstream to the container: " << error_frame;
  EXPECT_NE(streamed.body.find(R"("content":"a )"), std::string::npos)
    << "the tokens before the cut were not relayed: " << streamed.body;
}

TEST_F(platform_server_test, calls_past_the_concurrency_limit_get_429_with_retry_after) {
  baseline_llm llm{{{"JANUS_BASELINE_TOKENS", "10"}, {"JANUS_BASELINE_TOKEN_DELAY_MS", "50"}}};
  platform_config cfg;
  auto route = route_to("/v1/chat/completions",
                        "http://127.0.0.1:" + std::to_string(llm.port) + "/v1/chat/completions");
  route.max_concurrency = 1;
  route.rate = 0;
  cfg.routes.push_back(route);
  start(cfg);
  constexpr std::string_view body = R"({"model":"m","messages":[{"role":"user","content":"x"}]})";
  auto first = std::async(std::launch::async, [&] {
    return post_json(grant_.port, "/v1/chat/completions", body, auth());
  });
  std::this_thread::sleep_for(150ms);
  auto second = post_json(grant_.port, "/v1/chat/completions", body, auth());
  EXPECT_EQ(second.status, 429u) << second.body;
  EXPECT_EQ(second.header("retry-after"), "1");
  EXPECT_NE(second.body.find("max_concurrency 1"), std::string::npos) << second.body;
  EXPECT_EQ(first.get().status, 200u);
  EXPECT_EQ(post_json(grant_.port, "/v1/chat/completions", body, auth()).status, 200u)
    << "the slot was not given back";
}

TEST_F(platform_server_test, calls_past_the_rate_limit_get_429_with_retry_after) {
  test_upstream recorder;
  platform_config cfg;
  auto route = route_to("/search", "http://127.0.0.1:" + std::to_string(recorder.port()));
  route.rate = 0.5;
  route.burst = 2;
  cfg.routes.push_back(route);
  start(cfg);
  EXPECT_EQ(get(grant_.port, "/search", auth()).status, 200u);
  EXPECT_EQ(get(grant_.port, "/search", auth()).status, 200u);
  auto third = get(grant_.port, "/search", auth());
  EXPECT_EQ(third.status, 429u);
  auto retry = std::stoi(third.header("retry-after"));
  EXPECT_GE(retry, 1);
  EXPECT_LE(retry, 2);
  EXPECT_EQ(recorder.requests().size(), 2u);
}

TEST_F(platform_server_test, a_silent_upstream_gets_504_at_the_routes_timeout_call_after_call) {
  // The kernel accepts from the backlog; nobody ever answers.
  asio::io_context io;
  tcp::acceptor silent{io, {asio::ip::address_v4::loopback(), 0}};
  platform_config cfg;
  auto route = route_to("/search",
                        "http://127.0.0.1:" + std::to_string(silent.local_endpoint().port()));
  route.timeout = 300ms;
  cfg.routes.push_back(route);
  start(cfg);
  http_client client{grant_.port};
  // Twice on one connection: the deadline is armed again after one has passed.
  for (int call = 0; call < 2; ++call) {
    auto began = std::chrono::steady_clock::now();
    auto answer = client.get("/search", auth());
    auto took = std::chrono::steady_clock::now() - began;
    EXPECT_EQ(answer.status, 504u) << answer.body;
    EXPECT_NE(answer.body.find("300 ms"), std::string::npos) << answer.body;
    EXPECT_GE(took, 250ms);
    EXPECT_LT(took, 3s);
  }
  EXPECT_EQ(client.get("/health", auth()).status, 200u) << "the connection ended with the 504";
}

TEST_F(platform_server_test, a_stream_past_the_routes_timeout_ends_with_an_error_frame_and_done) {
  baseline_llm llm{{{"JANUS_BASELINE_TOKENS", "40"}, {"JANUS_BASELINE_TOKEN_DELAY_MS", "50"}}};
  platform_config cfg;
  auto route = route_to("/v1/chat/completions", "http://127.0.0.1:" + std::to_string(llm.port)
                                                  + "/v1/chat/completions");
  route.timeout = 500ms;
  cfg.routes.push_back(route);
  start(cfg);
  auto began = std::chrono::steady_clock::now();
  auto streamed = post_json_streaming(
    grant_.port, "/v1/chat/completions",
    R"({"model":"m","stream":true,"messages":[{"role":"user","content":"a b c d e"}]})", {},
    auth());
  auto took = std::chrono::steady_clock::now() - began;
  ASSERT_EQ(streamed.status, 200u) << streamed.body;
  EXPECT_TRUE(streamed.complete) << "the stream was cut instead of ended: " << streamed.error;
  auto data = sse_data_lines(streamed.body);
  ASSERT_GE(data.size(), 3u) << streamed.body;
  EXPECT_EQ(data.back(), "[DONE]") << streamed.body;
  EXPECT_NE(data[data.size() - 2].find("upstream_timeout"), std::string::npos) << streamed.body;
  EXPECT_GE(took, 450ms);
  EXPECT_LT(took, 1500ms) << "the stream outlived the route's timeout";
}

TEST_F(platform_server_test, a_connection_idle_past_the_idle_timeout_is_closed) {
  platform_config cfg;
  cfg.idle_timeout = 400ms;
  start(cfg);
  http_client client{grant_.port};
  EXPECT_EQ(client.get("/health", auth()).status, 200u);
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(client.get("/health", auth()).status, 200u) << "closed before its idle timeout";
  std::this_thread::sleep_for(1500ms);
  EXPECT_THROW(client.get("/health", auth()), std::system_error)
    << "still open past its idle timeout";
}

TEST_F(platform_server_test, a_request_body_over_the_route_limit_gets_413) {
  test_upstream recorder;
  platform_config cfg;
  auto route = route_to("/search", "http://127.0.0.1:" + std::to_string(recorder.port()));
  route.max_body_bytes = 16;
  cfg.routes.push_back(route);
  start(cfg);
  auto answer = post_json(grant_.port, "/search", std::string(100, 'x'), auth());
  EXPECT_EQ(answer.status, 413u) << answer.body;
  EXPECT_TRUE(recorder.requests().empty());
}

class platform_tls_test : public platform_server_test {
protected:
  void SetUp() override {
    good_ = make_test_certificate(test_dir(), "good");
    other_ = make_test_certificate(test_dir(), "other");
    upstream_.emplace(good_.cert, good_.key);
  }
  test_certificate good_;
  test_certificate other_;
  std::optional<test_upstream> upstream_;
};

TEST_F(platform_tls_test, an_https_upstream_is_verified_against_the_ca_file_and_gets_sni) {
  platform_config cfg;
  auto route = route_to("/search", "https://localhost:" + std::to_string(upstream_->port()) + "/s");
  route.ca_file = good_.cert.string();
  cfg.routes.push_back(route);
  start(cfg);
  auto answer = get(grant_.port, "/search", auth());
  ASSERT_EQ(answer.status, 200u) << answer.body;
  auto seen = upstream_->requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].server_name, "localhost");
  EXPECT_EQ(seen[0].target, "/s");
}

TEST_F(platform_tls_test, a_certificate_the_ca_does_not_sign_fails_with_502_naming_the_ca) {
  platform_config cfg;
  auto route = route_to("/search", "https://127.0.0.1:" + std::to_string(upstream_->port()));
  route.ca_file = other_.cert.string();
  cfg.routes.push_back(route);
  start(cfg);
  auto answer = get(grant_.port, "/search", auth());
  EXPECT_EQ(answer.status, 502u);
  EXPECT_NE(answer.body.find("CA file " + other_.cert.string()), std::string::npos) << answer.body;
  EXPECT_TRUE(upstream_->requests().empty());
}

/// Sends CONNECT `target` on a new connection to `port`; returns the socket and the status.
std::pair<tcp::socket, unsigned> connect_through(asio::io_context& io, std::uint16_t port,
                                                 const std::string& target,
                                                 const std::string& token) {
  tcp::socket socket{io};
  socket.connect({asio::ip::address_v4::loopback(), port});
  bhttp::request<bhttp::empty_body> req{bhttp::verb::connect, target, 11};
  req.set(bhttp::field::host, target);
  if (!token.empty()) {
    // As curl sends it for HTTPS_PROXY=http://janus:<token>@127.0.0.1:<port>.
    static constexpr char alphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string plain = "janus:" + token;
    std::string encoded;
    for (std::size_t i = 0; i < plain.size(); i += 3) {
      std::uint32_t n = static_cast<unsigned char>(plain[i]) << 16;
      if (i + 1 < plain.size()) n |= static_cast<unsigned char>(plain[i + 1]) << 8;
      if (i + 2 < plain.size()) n |= static_cast<unsigned char>(plain[i + 2]);
      encoded += alphabet[(n >> 18) & 63];
      encoded += alphabet[(n >> 12) & 63];
      encoded += i + 1 < plain.size() ? alphabet[(n >> 6) & 63] : '=';
      encoded += i + 2 < plain.size() ? alphabet[n & 63] : '=';
    }
    req.set(bhttp::field::proxy_authorization, "Basic " + encoded);
  }
  bhttp::write(socket, req);
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::empty_body> parser;
  parser.skip(true);
  bhttp::read_header(socket, buffer, parser);
  auto status = parser.get().result_int();
  if (status == 200) {
    EXPECT_EQ(buffer.size(), 0u) << "bytes after 200 Connection established";
  }
  return {std::move(socket), status};
}

TEST_F(platform_tls_test, connect_tunnels_tls_to_an_allowed_target_and_refuses_the_rest_with_403) {
  platform_config cfg;
  cfg.egress.allow = {"127.0.0.1:" + std::to_string(upstream_->port()),
                      "localhost:" + std::to_string(upstream_->port())};
  start(cfg);
  EXPECT_EQ(grant_.env.at("HTTPS_PROXY"),
            "http://janus:" + grant_.token + "@127.0.0.1:" + std::to_string(grant_.port));
  asio::io_context io;
  auto [socket, status] = connect_through(io, grant_.port,
                                          "127.0.0.1:" + std::to_string(upstream_->port()),
                                          grant_.token);
  ASSERT_EQ(status, 200u);
  asio::ssl::context tls{asio::ssl::context::tls_client};
  tls.load_verify_file(good_.cert.string());
  asio::ssl::stream<tcp::socket> secure{std::move(socket), tls};
  secure.set_verify_mode(asio::ssl::verify_peer);
  ::SSL_set_tlsext_host_name(secure.native_handle(), "localhost");
  secure.handshake(asio::ssl::stream_base::client);
  bhttp::request<bhttp::empty_body> req{bhttp::verb::get, "/through", 11};
  req.set(bhttp::field::host, "localhost");
  bhttp::write(secure, req);
  beast::flat_buffer buffer;
  bhttp::response<bhttp::string_body> res;
  bhttp::read(secure, buffer, res);
  EXPECT_EQ(res.result_int(), 200u);
  auto seen = upstream_->requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].server_name, "localhost");

  // Not listed: 403.
  auto [other, other_status] = connect_through(io, grant_.port, "127.0.0.1:1", grant_.token);
  EXPECT_EQ(other_status, 403u);
  // Listed by name, but the name leads to loopback: 403 (a container must not reach janusd's
  // host services through the tunnel).
  auto [named, named_status] = connect_through(
    io, grant_.port, "localhost:" + std::to_string(upstream_->port()), grant_.token);
  EXPECT_EQ(named_status, 403u);
  // Without the token: 401.
  auto [anonymous, anonymous_status] = connect_through(
    io, grant_.port, "127.0.0.1:" + std::to_string(upstream_->port()), "");
  EXPECT_EQ(anonymous_status, 401u);
  auto page = metrics_page_with(R"(janus_platform_egress_total{model="m",result="denied"} 2)");
  EXPECT_NE(page.find(R"(janus_platform_egress_total{model="m",result="allowed"} 1)"),
            std::string::npos)
    << page;
  EXPECT_NE(page.find(R"(janus_platform_egress_total{model="m",result="denied"} 2)"),
            std::string::npos)
    << page;
}

TEST_F(platform_server_test, a_closed_endpoint_refuses_connections_and_ends_its_live_ones) {
  start({});
  auto live = std::make_unique<http_client>(grant_.port);
  EXPECT_EQ(live->get("/health", auth()).status, 200u);
  server_->close("m-1");
  EXPECT_TRUE(eventually(5s, [&] {
    try {
      get(grant_.port, "/health", auth());
      return false;
    } catch (const std::system_error&) {
      return true;
    }
  })) << "the endpoint's port still accepts";
  EXPECT_THROW(live->get("/health", auth()), std::system_error) << "its live connection stayed";
  EXPECT_EQ(server_->endpoint_count(), 0u);
}

TEST_F(platform_server_test, an_endpoint_can_be_opened_on_a_listening_socket_the_caller_made) {
  start({});
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  ASSERT_EQ(::listen(fd, 16), 0);
  auto grant = server_->open_on(endpoint_owner{"m", "m-fd"}, fd);
  ASSERT_TRUE(grant) << grant.error().message;
  auto answer = get(grant.value().port, "/health",
                    {{"Authorization", "Bearer " + grant.value().token}});
  EXPECT_EQ(answer.status, 200u);
  EXPECT_NE(answer.body.find("\"container\":\"m-fd\""), std::string::npos) << answer.body;
}

} // namespace
} // namespace janus::test
