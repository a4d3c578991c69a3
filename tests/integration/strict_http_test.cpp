// Strict HTTP at the edge, against a real janusd with real janus-baseline children, over raw
// sockets: request smuggling refused, Expect: 100-continue, HEAD, 405 with Allow, HTTP/1.0
// framing, head and body deadlines, the connection cap, running out of descriptors, and client
// API keys.

#include "tests/integration/janusd_fixture.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/raw_connection.hpp"

#include <gtest/gtest.h>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <thread>
#include <vector>

namespace janus::test {
namespace {

using namespace std::chrono_literals;

std::string baseline_model(const std::string& settings = "    min_warm: 1\n") {
  return "  m:\n    command: [\"janus-baseline\"]\n"
         "    env:\n      JANUS_BASELINE_TOKENS: \"4\"\n"
         "    health:\n      interval: 60s\n"
         + settings;
}

std::string chat(bool stream = false) {
  return std::string{R"({"model":"m","messages":[{"role":"user","content":"hi there"}])"}
         + (stream ? R"(,"stream":true})" : "}");
}

/// A request janusd would answer at once if it ever read it as a request of its own.
constexpr std::string_view smuggled = "GET /health HTTP/1.1\r\nHost: x\r\n\r\n";

std::string chunked(std::string_view data) {
  char size[32];
  std::snprintf(size, sizeof(size), "%zx\r\n", data.size());
  return std::string{size} + std::string{data} + "\r\n0\r\n\r\n";
}

/// The whole process CPU time (user + system) of `pid`, from /proc/PID/stat.
std::chrono::milliseconds cpu_time_of(pid_t pid) {
  std::ifstream stat{"/proc/" + std::to_string(pid) + "/stat"};
  std::string text{std::istreambuf_iterator<char>{stat}, {}};
  std::istringstream fields{text.substr(text.rfind(')') + 2)};
  std::string field;
  long utime = 0;
  long stime = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14) {
      utime = std::stol(field);
    } else if (i == 15) {
      stime = std::stol(field);
    }
  }
  auto ticks = ::sysconf(_SC_CLK_TCK);
  return std::chrono::milliseconds{(utime + stime) * 1000 / ticks};
}

std::size_t open_fds_of(pid_t pid) {
  std::size_t count = 0;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator{"/proc/" + std::to_string(pid) + "/fd", ec};
       !ec && it != std::filesystem::directory_iterator{}; it.increment(ec)) {
    ++count;
  }
  return count;
}

/// The resident set of a process, from /proc/PID/status (0 when unreadable).
std::size_t rss_kib_of(pid_t pid) {
  std::ifstream status{"/proc/" + std::to_string(pid) + "/status"};
  for (std::string line; std::getline(status, line);) {
    if (line.starts_with("VmRSS:")) {
      return std::stoul(line.substr(6));
    }
  }
  return 0;
}

using strict_http = janusd_fixture;

// -- smuggling -----------------------------------------------------------------------------

/// One way of framing a request body that front ends and back ends may read differently.
struct framing_case {
  const char* name;
  std::string request;
};

std::string post_head(std::string_view fields, std::string_view version = "HTTP/1.1") {
  return "POST /v1/chat/completions " + std::string{version} + "\r\nHost: 127.0.0.1\r\n"
         + "Content-Type: application/json\r\n" + std::string{fields} + "\r\n";
}

std::vector<framing_case> framing_cases() {
  auto length = std::to_string(smuggled.size());
  return {
    {"te_gzip", post_head("Transfer-Encoding: gzip\r\n") + std::string{smuggled}},
    {"te_xchunked", post_head("Transfer-Encoding: xchunked\r\n") + std::string{smuggled}},
    {"te_identity", post_head("Transfer-Encoding: identity\r\n") + std::string{smuggled}},
    {"te_chunked_then_gzip", post_head("Transfer-Encoding: chunked, gzip\r\n") + std::string{smuggled}},
    {"te_gzip_then_chunked", post_head("Transfer-Encoding: gzip, chunked\r\n") + chunked(smuggled)},
    {"te_chunked_twice_in_one_field",
     post_head("Transfer-Encoding: chunked, chunked\r\n") + chunked(smuggled)},
    {"te_chunked_in_two_fields",
     post_head("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n") + chunked(smuggled)},
    {"te_gzip_field_then_chunked_field",
     post_head("Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n") + chunked(smuggled)},
    {"te_empty", post_head("Transfer-Encoding: \r\n") + std::string{smuggled}},
    {"content_length_then_te_chunked",
     post_head("Content-Length: " + length + "\r\nTransfer-Encoding: chunked\r\n") + chunked(smuggled)},
    {"te_chunked_then_content_length",
     post_head("Transfer-Encoding: chunked\r\nContent-Length: " + length + "\r\n") + chunked(smuggled)},
    {"te_gzip_then_content_length",
     post_head("Transfer-Encoding: gzip\r\nContent-Length: " + length + "\r\n") + std::string{smuggled}},
    {"te_on_http_1_0",
     post_head("Connection: keep-alive\r\nTransfer-Encoding: chunked\r\n", "HTTP/1.0")
       + chunked(smuggled)},
    {"content_lengths_that_differ",
     post_head("Content-Length: 0\r\nContent-Length: " + length + "\r\n") + std::string{smuggled}},
    {"content_length_list_of_equal_values",
     post_head("Content-Length: " + length + ", " + length + "\r\n") + std::string{smuggled}},
    {"content_length_repeated_with_equal_values",
     post_head("Content-Length: " + length + "\r\nContent-Length: " + length + "\r\n")
       + std::string{smuggled}},
    {"content_length_with_a_sign", post_head("Content-Length: +" + length + "\r\n") + std::string{smuggled}},
    {"content_length_in_hex", post_head("Content-Length: 0x22\r\n") + std::string{smuggled}},
    {"content_length_empty", post_head("Content-Length: \r\n") + std::string{smuggled}},
    {"space_before_the_colon", post_head("Transfer-Encoding : chunked\r\n") + chunked(smuggled)},
    {"no_host_on_http_1_1",
     "POST /v1/chat/completions HTTP/1.1\r\nContent-Length: 0\r\n\r\n" + std::string{smuggled}},
    {"two_host_fields",
     "POST /v1/chat/completions HTTP/1.1\r\nHost: a\r\nHost: b\r\nContent-Length: 0\r\n\r\n"
       + std::string{smuggled}},
  };
}

class strict_framing : public janusd_fixture,
                       public ::testing::WithParamInterface<framing_case> {};

TEST_P(strict_framing, gets_400_and_the_connection_closes_without_serving_the_body_as_a_request) {
  start(baseline_model("    min_warm: 0\n"));
  raw_connection client{port_};
  ASSERT_TRUE(client.send(GetParam().request));
  auto answer = client.read_response(5s);
  ASSERT_TRUE(answer.has_value()) << "no answer; received: " << client.pending();
  EXPECT_EQ(answer->status, 400u) << answer->body;
  EXPECT_NE(answer->body.find(R"("type":"invalid_request_error")"), std::string::npos)
    << answer->body;
  EXPECT_EQ(answer->header("connection"), "close");
  EXPECT_TRUE(client.closed_within(3s)) << "the connection was kept open";
  EXPECT_EQ(client.pending(), "") << "the body was answered as a request of its own";
}

INSTANTIATE_TEST_SUITE_P(each_variant, strict_framing, ::testing::ValuesIn(framing_cases()),
                         [](const auto& info) { return std::string{info.param.name}; });

TEST_F(strict_http, a_single_final_chunked_coding_and_a_plain_content_length_are_served) {
  start(baseline_model());
  raw_connection client{port_};
  ASSERT_TRUE(client.send(post_head("Transfer-Encoding: Chunked\r\n") + chunked(chat())));
  auto first = client.read_response(5s);
  ASSERT_TRUE(first.has_value()) << client.pending();
  EXPECT_EQ(first->status, 200u) << first->body;
  auto body = chat();
  ASSERT_TRUE(client.send(post_head("Content-Length: " + std::to_string(body.size()) + "\r\n") + body));
  auto second = client.read_response(5s);
  ASSERT_TRUE(second.has_value()) << client.pending();
  EXPECT_EQ(second->status, 200u) << second->body;
  ASSERT_TRUE(client.send("GET /health HTTP/1.0\r\n\r\n"));
  auto third = client.read_response(5s);
  ASSERT_TRUE(third.has_value()) << "HTTP/1.0 needs no Host";
  EXPECT_EQ(third->status, 200u);
}

// -- Expect: 100-continue ------------------------------------------------------------------

TEST_F(strict_http, expect_100_continue_is_answered_before_the_body_is_sent) {
  start(baseline_model());
  auto body = chat();
  raw_connection client{port_};
  ASSERT_TRUE(client.send(post_head("Expect: 100-continue\r\nContent-Length: "
                                    + std::to_string(body.size()) + "\r\n")));
  auto interim = client.read_response(2s);
  ASSERT_TRUE(interim.has_value()) << "no 100 Continue while the client waits for it";
  EXPECT_EQ(interim->status, 100u);
  ASSERT_TRUE(client.send(body));
  auto answer = client.read_response(5s);
  ASSERT_TRUE(answer.has_value()) << client.pending();
  EXPECT_EQ(answer->status, 200u) << answer->body;
  EXPECT_NE(answer->body.find("chat.completion"), std::string::npos) << answer->body;
}

TEST_F(strict_http, curl_with_expect_100_continue_does_not_wait_for_its_timeout) {
  if (std::system("curl --version > /dev/null 2>&1") != 0) {
    GTEST_SKIP() << "curl is not installed";
  }
  start(baseline_model());
  auto body_file = dir_ / "body.json";
  std::ofstream{body_file} << chat();
  auto command = "curl -s -o /dev/null -w '%{http_code} %{time_total}' -H 'Expect: 100-continue' "
                 "-H 'Content-Type: application/json' --data-binary @" + body_file.string()
                 + " http://127.0.0.1:" + std::to_string(port_) + "/v1/chat/completions";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe{::popen(command.c_str(), "r"), ::pclose};
  ASSERT_NE(pipe, nullptr);
  std::array<char, 64> output{};
  ASSERT_NE(std::fgets(output.data(), output.size(), pipe.get()), nullptr);
  unsigned status = 0;
  double seconds = 0;
  ASSERT_EQ(std::sscanf(output.data(), "%u %lf", &status, &seconds), 2) << output.data();
  std::printf("curl with Expect: 100-continue: %u in %.1f ms\n", status, seconds * 1000);
  EXPECT_EQ(status, 200u);
  // curl waits 1 s for a 100 Continue that does not come before it sends the body anyway.
  EXPECT_LT(seconds, 0.9) << "curl waited for its expect timeout";
}

TEST_F(strict_http, expect_100_continue_is_not_sent_for_a_request_refused_from_its_head) {
  env_["JANUS_TEST_API_KEYS"] = "sk-right";
  top_level_yaml_ = "auth:\n  api_keys_env: JANUS_TEST_API_KEYS\n";
  start(baseline_model(), "  max_body_bytes: 1KiB\n");
  struct refused {
    std::string head;
    unsigned status;
  };
  std::vector<refused> cases = {
    {post_head("Authorization: Bearer sk-right\r\nExpect: 100-continue\r\nContent-Length: 5000\r\n"), 413},
    {"POST /v1/nothing HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer sk-right\r\n"
     "Expect: 100-continue\r\nContent-Length: 10\r\n\r\n", 404},
    {"PUT /health HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 10\r\n\r\n", 405},
    {post_head("Expect: 100-continue\r\nContent-Length: 10\r\n"), 401},
  };
  for (const auto& c : cases) {
    raw_connection client{port_};
    ASSERT_TRUE(client.send(c.head));
    auto answer = client.read_response(3s);
    ASSERT_TRUE(answer.has_value()) << c.head;
    EXPECT_EQ(answer->status, c.status) << c.head << answer->body;
    EXPECT_TRUE(client.closed_within(3s)) << "the unread body would be read as a request: " << c.head;
  }
}

TEST_F(strict_http, an_unknown_expectation_gets_417) {
  start(baseline_model());
  raw_connection client{port_};
  ASSERT_TRUE(client.send(post_head("Expect: 200-ok\r\nContent-Length: 2\r\n") + "{}"));
  auto answer = client.read_response(3s);
  ASSERT_TRUE(answer.has_value()) << client.pending();
  EXPECT_EQ(answer->status, 417u);
  EXPECT_NE(answer->body.find(R"("code":"expectation_failed")"), std::string::npos) << answer->body;
  EXPECT_TRUE(client.closed_within(3s));
}

// -- HEAD and 405 ----------------------------------------------------------------------------

TEST_F(strict_http, head_answers_carry_the_headers_of_get_and_no_body) {
  start(baseline_model());
  auto got = get(port_, "/v1/models");
  ASSERT_EQ(got.status, 200u);
  raw_connection client{port_};
  // Pipelined: a body after the HEAD answer would be read as the start of the next answer.
  ASSERT_TRUE(client.send("HEAD /v1/models HTTP/1.1\r\nHost: x\r\n\r\n"
                          "HEAD /health HTTP/1.1\r\nHost: x\r\n\r\n"
                          "GET /health HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto models = client.read_response(3s, true);
  ASSERT_TRUE(models.has_value());
  EXPECT_EQ(models->status, 200u);
  EXPECT_EQ(models->header("content-length"), std::to_string(got.body.size()));
  EXPECT_EQ(models->header("content-type"), "application/json");
  auto health_head = client.read_response(3s, true);
  ASSERT_TRUE(health_head.has_value());
  EXPECT_EQ(health_head->status, 200u);
  auto health = client.read_response(3s);
  ASSERT_TRUE(health.has_value());
  EXPECT_EQ(health->status, 200u);
  EXPECT_EQ(health->body, R"({"status":"ok"})");
  EXPECT_EQ(health_head->header("content-length"), std::to_string(health->body.size()));
  EXPECT_FALSE(client.data_within(200ms)) << "bytes after the answers: " << client.pending();
}

TEST_F(strict_http, a_wrong_method_gets_405_with_allow) {
  start(baseline_model());
  auto chat_get = get(port_, "/v1/chat/completions");
  EXPECT_EQ(chat_get.status, 405u);
  EXPECT_EQ(chat_get.header("allow"), "POST");
  EXPECT_NE(chat_get.body.find(R"("code":"method_not_allowed")"), std::string::npos) << chat_get.body;
  for (const char* path : {"/health", "/ready", "/v1/models", "/metrics"}) {
    auto posted = post_json(port_, path, "{}");
    EXPECT_EQ(posted.status, 405u) << path;
    EXPECT_EQ(posted.header("allow"), "GET, HEAD") << path;
  }
  raw_connection client{port_};
  ASSERT_TRUE(client.send("HEAD /v1/chat/completions HTTP/1.1\r\nHost: x\r\n\r\n"
                          "GET /health HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto head = client.read_response(3s, true);
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(head->status, 405u);
  EXPECT_EQ(head->header("allow"), "POST");
  auto next = client.read_response(3s);
  ASSERT_TRUE(next.has_value()) << "the 405 to HEAD carried a body";
  EXPECT_EQ(next->status, 200u);
}

TEST_F(strict_http, an_unknown_path_gets_404_with_its_own_code) {
  start(baseline_model());
  auto missing = get(port_, "/v2/nothing");
  EXPECT_EQ(missing.status, 404u);
  EXPECT_NE(missing.body.find(R"("code":"not_found")"), std::string::npos) << missing.body;
}

// -- HTTP/1.0 --------------------------------------------------------------------------------

TEST_F(strict_http, an_http_1_0_client_gets_a_stream_close_delimited_not_chunked) {
  start(baseline_model());
  auto body = chat(true);
  raw_connection client{port_};
  ASSERT_TRUE(client.send("POST /v1/chat/completions HTTP/1.0\r\nContent-Type: application/json\r\n"
                          "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body));
  auto answer = client.read_response(5s);
  ASSERT_TRUE(answer.has_value()) << client.pending();
  EXPECT_EQ(answer->status, 200u);
  EXPECT_FALSE(answer->chunked) << "chunked to an HTTP/1.0 client";
  EXPECT_TRUE(answer->close_delimited);
  EXPECT_EQ(answer->header("transfer-encoding"), "");
  EXPECT_TRUE(answer->body.ends_with("data: [DONE]\n\n")) << answer->body;
  EXPECT_EQ(answer->body.find("\r\n"), std::string::npos) << "chunk framing in the body";
}

TEST_F(strict_http, an_http_1_0_keep_alive_client_keeps_its_connection_for_length_delimited_answers) {
  start(baseline_model());
  auto body = chat();
  raw_connection client{port_};
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(client.send("POST /v1/chat/completions HTTP/1.0\r\nConnection: keep-alive\r\n"
                            "Content-Type: application/json\r\nContent-Length: "
                            + std::to_string(body.size()) + "\r\n\r\n" + body));
    auto answer = client.read_response(5s);
    ASSERT_TRUE(answer.has_value()) << "request " << i << ": " << client.pending();
    EXPECT_EQ(answer->status, 200u);
    EXPECT_FALSE(answer->header("content-length").empty());
    EXPECT_EQ(answer->header("connection"), "keep-alive");
  }
  ASSERT_TRUE(client.send("GET /health HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
  auto health = client.read_response(3s);
  ASSERT_TRUE(health.has_value());
  EXPECT_EQ(health->header("connection"), "keep-alive");
  ASSERT_TRUE(client.send("GET /health HTTP/1.0\r\n\r\n"));
  auto last = client.read_response(3s);
  ASSERT_TRUE(last.has_value());
  EXPECT_TRUE(client.closed_within(2s)) << "an HTTP/1.0 request without keep-alive ends it";
}

// -- deadlines ---------------------------------------------------------------------------------

TEST_F(strict_http, a_head_sent_byte_by_byte_is_cut_at_read_timeout) {
  start(baseline_model(), "  read_timeout: 500ms\n  idle_timeout: 20s\n");
  raw_connection client{port_};
  auto started = std::chrono::steady_clock::now();
  ASSERT_TRUE(client.send("GET /health HTTP/1.1\r\nHost: x\r\n"));
  // Slowloris: a header line every 100 ms, never the blank line.
  while (!client.peer_closed() && std::chrono::steady_clock::now() - started < 5s) {
    if (!client.send("X-a: b\r\n")) {
      break;
    }
    client.closed_within(100ms);
  }
  auto lasted = std::chrono::steady_clock::now() - started;
  EXPECT_TRUE(client.peer_closed() || !client.send("X")) << "still open after 5 s";
  EXPECT_LT(lasted, 2s) << "the head was bounded by idle_timeout, not read_timeout";
  EXPECT_EQ(client.pending(), "") << "janusd closes without an answer, as nginx does";
}

TEST_F(strict_http, read_timeout_bounds_head_and_body_together_from_the_first_byte) {
  start(baseline_model(), "  read_timeout: 1s\n  idle_timeout: 20s\n");
  raw_connection client{port_};
  auto started = std::chrono::steady_clock::now();
  ASSERT_TRUE(client.send("POST /v1/chat/completions HTTP/1.1\r\n"));
  std::this_thread::sleep_for(800ms);
  ASSERT_TRUE(client.send("Host: x\r\nContent-Length: 100\r\n\r\n{"));
  // The body trickles: a byte every 100 ms.
  while (!client.peer_closed() && std::chrono::steady_clock::now() - started < 5s) {
    if (!client.send(" ")) {
      break;
    }
    client.closed_within(100ms);
  }
  auto lasted = std::chrono::steady_clock::now() - started;
  EXPECT_LT(lasted, 1500ms) << "the body got a read_timeout of its own";
  EXPECT_GE(lasted, 900ms);
}

TEST_F(strict_http, an_idle_keep_alive_connection_is_bounded_by_idle_timeout_not_read_timeout) {
  start(baseline_model(), "  read_timeout: 300ms\n  idle_timeout: 1500ms\n");
  raw_connection client{port_};
  ASSERT_TRUE(client.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(client.read_response(3s).has_value());
  EXPECT_FALSE(client.closed_within(800ms)) << "closed after read_timeout while idle";
  ASSERT_TRUE(client.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto second = client.read_response(3s);
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->status, 200u);
  auto idle_since = std::chrono::steady_clock::now();
  EXPECT_TRUE(client.closed_within(5s)) << "idle_timeout did not close the connection";
  EXPECT_GE(std::chrono::steady_clock::now() - idle_since, 1200ms);
}

// -- connection limits -------------------------------------------------------------------------

TEST_F(strict_http, connections_past_max_connections_get_503_and_are_closed) {
  start(baseline_model(), "  max_connections: 3\n");
  std::vector<std::unique_ptr<raw_connection>> held;
  for (int i = 0; i < 3; ++i) {
    // The connection start() polled /ready on may not be counted closed yet: a place it still
    // holds frees up within moments.
    ASSERT_TRUE(eventually(3s, [&] {
      auto connection = std::make_unique<raw_connection>(port_);
      if (!connection->send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n")) {
        return false;
      }
      auto answer = connection->read_response(3s);
      if (!answer || answer->status != 200u) {
        return false;
      }
      held.push_back(std::move(connection));
      return true;
    })) << "connection " << i;
  }
  raw_connection extra{port_};
  extra.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
  auto refused = extra.read_response(3s);
  ASSERT_TRUE(refused.has_value()) << extra.pending();
  EXPECT_EQ(refused->status, 503u);
  EXPECT_EQ(refused->header("retry-after"), "1");
  EXPECT_EQ(refused->header("connection"), "close");
  EXPECT_NE(refused->body.find(R"("code":"too_many_connections")"), std::string::npos) << refused->body;
  EXPECT_TRUE(extra.closed_within(3s));
  // The connections within the cap are untouched, and a place that frees up is taken again.
  ASSERT_TRUE(held.front()->send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(held.front()->read_response(3s).has_value());
  held.front().reset();
  EXPECT_TRUE(eventually(3s, [&] { return get(port_, "/health").status == 200; }));
}

TEST_F(strict_http, running_out_of_descriptors_neither_spins_nor_stalls_refuses_chat_cleanly_and_recovers) {
  start(baseline_model());
  auto pid = janusd_->pid();
  // Two served connections, one on each I/O thread: they must keep being served.
  std::vector<std::unique_ptr<raw_connection>> served;
  for (int i = 0; i < 2; ++i) {
    served.push_back(std::make_unique<raw_connection>(port_));
    ASSERT_TRUE(served.back()->send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n"));
    ASSERT_TRUE(served.back()->read_response(3s).has_value());
  }
  rlimit before{};
  ASSERT_EQ(::prlimit(pid, RLIMIT_NOFILE, nullptr, &before), 0);
  rlimit low = before;
  low.rlim_cur = open_fds_of(pid) + 4; // the soft limit only: it can be raised back
  ASSERT_EQ(::prlimit(pid, RLIMIT_NOFILE, &low, nullptr), 0);
  // Fill the descriptors up: connections past the limit wait in the listen backlog.
  std::vector<std::unique_ptr<raw_connection>> waiting;
  bool exhausted = false;
  for (int i = 0; i < 12 && !exhausted; ++i) {
    waiting.push_back(std::make_unique<raw_connection>(port_));
    waiting.back()->send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
    exhausted = !waiting.back()->read_response(500ms).has_value();
  }
  ASSERT_TRUE(exhausted) << "janusd never ran out of descriptors";
  EXPECT_TRUE(eventually(2s, [&] {
    return janusd_->log().find("ran out of file descriptors") != std::string::npos;
  }));

  // Nothing to do but wait for descriptors: janusd must not spin.
  auto idle_cpu_before = cpu_time_of(pid);
  std::this_thread::sleep_for(1s);
  auto idle_cpu = cpu_time_of(pid) - idle_cpu_before;

  auto window_start = std::chrono::steady_clock::now();
  std::array<int, 2> answered{};
  while (std::chrono::steady_clock::now() - window_start < 1s) {
    for (std::size_t i = 0; i < served.size(); ++i) {
      ASSERT_TRUE(served[i]->send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n"));
      auto answer = served[i]->read_response(2s);
      ASSERT_TRUE(answer.has_value()) << "a served connection stalled";
      ++answered[i];
    }
  }
  std::printf("out of descriptors: janusd used %lld ms of CPU in 1 s idle; %d and %d answers "
              "in 1 s on the two served connections\n", static_cast<long long>(idle_cpu.count()),
              answered[0], answered[1]);
  EXPECT_LT(idle_cpu, 200ms) << "janusd spins while out of descriptors";
  // Both connections took turns: each answer waited for the other one's. A shard that sleeps
  // 10 ms per failed accept serves a few dozen a second.
  EXPECT_GT(std::min(answered[0], answered[1]), 200) << "a shard stalled while out of descriptors";

  // A chat request on a served connection needs a descriptor for its container connection:
  // it is refused with an error body, and the container is not blamed for it.
  auto children = model_processes();
  const auto body = chat();
  const auto chat_request = "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n"
                            "Content-Type: application/json\r\nContent-Length: "
                            + std::to_string(body.size()) + "\r\n\r\n" + body;
  std::vector<unsigned> refusals;
  std::string refused_code;
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(served[0]->send(chat_request));
    auto refused = served[0]->read_response(5s);
    ASSERT_TRUE(refused.has_value()) << "a chat request while out of descriptors got no answer";
    EXPECT_GE(refused->status, 500u) << refused->body;
    EXPECT_NE(refused->body.find(R"({"error":{)"), std::string::npos) << refused->body;
    refusals.push_back(refused->status);
    auto code_at = refused->body.find(R"("code":")");
    refused_code = code_at == std::string::npos
                     ? "?"
                     : refused->body.substr(code_at + 8, refused->body.find('"', code_at + 8) - code_at - 8);
  }
  std::printf("reliability: low_fd idle_cpu_ms=%lld answers_per_s=%d chat_refused_status=%u "
              "chat_refused_code=%s\n",
              static_cast<long long>(idle_cpu.count()), std::min(answered[0], answered[1]),
              refusals.front(), refused_code.c_str());

  ASSERT_EQ(::prlimit(pid, RLIMIT_NOFILE, &before, nullptr), 0);
  ASSERT_TRUE(served[0]->send(chat_request));
  auto recovered = served[0]->read_response(5s);
  ASSERT_TRUE(recovered.has_value());
  EXPECT_EQ(recovered->status, 200u) << "served again once descriptors are back: "
                                     << recovered->body;
  // The pool may have started another container meanwhile; the one it had must still serve.
  auto now = model_processes();
  for (auto pid : children) {
    EXPECT_TRUE(now.contains(pid)) << "container process " << pid
                                   << " was retired for janusd's own shortage";
  }
  EXPECT_EQ(metric("janus_container_stops_total", R"(model="m",reason="failing")").value_or(0), 0.0);
  auto& last = *waiting.back();
  auto late = last.read_response(5s);
  ASSERT_TRUE(late.has_value()) << "the waiting connection was never accepted";
  EXPECT_EQ(late->status, 200u);
  EXPECT_EQ(get(port_, "/health").status, 200u);
}

TEST_F(strict_http, two_thousand_idle_keep_alive_connections_leave_a_fresh_request_served_at_once) {
  constexpr int idle_count = 2000;
  rlimit own{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &own), 0);
  if (own.rlim_cur < idle_count + 200) {
    own.rlim_cur = std::min<rlim_t>(own.rlim_max, idle_count + 200);
    ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &own), 0);
  }
  ASSERT_GE(own.rlim_cur, static_cast<rlim_t>(idle_count + 200))
    << "the test needs " << idle_count + 200 << " descriptors of its own";
  start(baseline_model());
  auto pid = janusd_->pid();
  // Warm up what a first request allocates, so the figure is the connections' alone.
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(post_json(port_, "/v1/chat/completions", chat()).status, 200u);
  }
  auto fds_before = open_fds_of(pid);
  auto rss_before = rss_kib_of(pid);
  std::vector<std::unique_ptr<raw_connection>> idle;
  idle.reserve(idle_count);
  for (int i = 0; i < idle_count; ++i) {
    idle.push_back(std::make_unique<raw_connection>(port_));
    ASSERT_TRUE(idle.back()->send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n"));
    auto answer = idle.back()->read_response(3s);
    ASSERT_TRUE(answer.has_value()) << "connection " << i << " was not served";
    ASSERT_EQ(answer->status, 200u) << "connection " << i << ": " << answer->body;
  }
  std::this_thread::sleep_for(200ms);
  auto rss_idle = rss_kib_of(pid);
  // Give or take a few: an idle connection to a container may have closed meanwhile.
  EXPECT_GE(open_fds_of(pid) + 8, fds_before + idle_count) << "janusd holds every connection";

  auto asked = std::chrono::steady_clock::now();
  auto fresh = post_json(port_, "/v1/chat/completions", chat());
  auto fresh_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - asked);
  ASSERT_EQ(fresh.status, 200u) << fresh.body;
  auto per_connection = (static_cast<double>(rss_idle) - static_cast<double>(rss_before)) * 1024.0
                        / idle_count;
  std::printf("reliability: idle_connections count=%d rss_before_kib=%zu rss_idle_kib=%zu "
              "bytes_per_connection=%.0f fresh_request_ms=%.2f\n",
              idle_count, rss_before, rss_idle, per_connection, fresh_ms.count());
  EXPECT_LT(fresh_ms, std::chrono::seconds(1)) << "a fresh request waited behind idle connections";
  // The oldest and the newest idle connection are still served.
  for (auto* connection : {idle.front().get(), idle.back().get()}) {
    ASSERT_TRUE(connection->send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n"));
    auto answer = connection->read_response(3s);
    ASSERT_TRUE(answer.has_value());
    EXPECT_EQ(answer->status, 200u);
  }
  idle.clear();
  EXPECT_TRUE(eventually(5s, [&] { return open_fds_of(pid) <= fds_before + 2; }))
    << "janusd kept descriptors of closed connections: " << open_fds_of(pid) << " open, "
    << fds_before << " before";
}

// -- client API keys ---------------------------------------------------------------------------

class api_keys : public janusd_fixture {
protected:
  void start_with_keys(const std::string& metrics = "open") {
    // One file per test: ctest runs these tests in parallel processes.
    auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    auto dir = std::filesystem::path{::testing::TempDir()} / "janus-api-keys" / test->name();
    std::filesystem::create_directories(dir);
    key_file_ = dir / "keys.txt";
    // The last line is sha256("sk-hashed-key"): the file holds no plain text of that key.
    std::ofstream{key_file_} << "# client keys\n"
                                "sk-file-key\n"
                                "\n"
                                "sha256:dc9bd087b73f2cb27d1429eaab83ab5aeb14e53a395cbc0077bf9dfeff6ae699\n";
    env_["JANUS_TEST_API_KEYS"] = "sk-env-one, sk-env-two";
    top_level_yaml_ = "auth:\n  api_keys_file: \"" + key_file_.string()
                      + "\"\n  api_keys_env: JANUS_TEST_API_KEYS\n  metrics: " + metrics + "\n";
    start(baseline_model());
  }

  http_result chat_with(const std::string& authorization) {
    header_map headers;
    if (!authorization.empty()) {
      headers["Authorization"] = authorization;
    }
    return post_json(port_, "/v1/chat/completions", chat(), headers);
  }

  std::filesystem::path key_file_;
};

TEST_F(api_keys, v1_without_a_key_or_with_a_wrong_one_gets_401_invalid_api_key) {
  start_with_keys();
  for (const std::string authorization : {"", "Bearer sk-wrong", "Basic c2stZmlsZS1rZXk=",
                                          "Bearer ", "Bearer sk-file-key2", "Bearer sk-file-ke"}) {
    auto refused = chat_with(authorization);
    EXPECT_EQ(refused.status, 401u) << authorization;
    EXPECT_EQ(refused.header("www-authenticate"), "Bearer") << authorization;
    EXPECT_NE(refused.body.find(R"("type":"invalid_request_error")"), std::string::npos) << refused.body;
    EXPECT_NE(refused.body.find(R"("code":"invalid_api_key")"), std::string::npos) << refused.body;
  }
  EXPECT_EQ(get(port_, "/v1/models").status, 401u);
  EXPECT_EQ(get(port_, "/v1/nothing").status, 401u) << "a key is checked before the route";
}

TEST_F(api_keys, a_key_from_the_file_or_from_the_environment_is_accepted) {
  start_with_keys();
  EXPECT_EQ(chat_with("Bearer sk-file-key").status, 200u);
  EXPECT_EQ(chat_with("bearer sk-file-key").status, 200u) << "the scheme is case-insensitive";
  EXPECT_EQ(chat_with("Bearer sk-env-one").status, 200u);
  EXPECT_EQ(chat_with("Bearer sk-env-two").status, 200u);
  EXPECT_EQ(get(port_, "/v1/models", {{"Authorization", "Bearer sk-env-two"}}).status, 200u);
}

TEST_F(api_keys, a_sha256_line_accepts_the_key_it_is_the_hash_of) {
  start_with_keys();
  EXPECT_EQ(chat_with("Bearer sk-hashed-key").status, 200u);
  EXPECT_EQ(chat_with("Bearer sha256:dc9bd087b73f2cb27d1429eaab83ab5aeb14e53a395cbc0077bf9dfeff6ae699").status,
            401u) << "the hash itself is no key";
}

TEST_F(api_keys, health_and_ready_stay_open_and_metrics_is_open_by_default) {
  start_with_keys();
  EXPECT_EQ(get(port_, "/health").status, 200u);
  EXPECT_EQ(get(port_, "/ready").status, 200u);
  EXPECT_EQ(get(port_, "/metrics").status, 200u);
}

TEST_F(api_keys, metrics_needs_a_key_when_configured_so) {
  start_with_keys("api_key");
  auto refused = get(port_, "/metrics");
  EXPECT_EQ(refused.status, 401u);
  EXPECT_EQ(refused.header("www-authenticate"), "Bearer");
  EXPECT_EQ(get(port_, "/metrics", {{"Authorization", "Bearer sk-file-key"}}).status, 200u);
  EXPECT_EQ(get(port_, "/health").status, 200u);
}

TEST_F(api_keys, without_keys_configured_v1_is_open) {
  start(baseline_model());
  EXPECT_EQ(post_json(port_, "/v1/chat/completions", chat()).status, 200u);
}

TEST_F(api_keys, a_key_file_that_cannot_be_read_stops_start_up_naming_the_key) {
  top_level_yaml_ = "auth:\n  api_keys_file: /nonexistent/janus-keys.txt\n";
  start(baseline_model(), {}, false);
  auto status = janusd_->wait_for_exit(10s);
  ASSERT_TRUE(status.has_value()) << "janusd started without its key file";
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 2) << describe_wait_status(*status);
  EXPECT_NE(janusd_->log().find("auth.api_keys_file"), std::string::npos) << janusd_->log();
}

} // namespace
} // namespace janus::test
