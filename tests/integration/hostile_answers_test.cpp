// A model whose container answers chat requests with malformed or unusual HTTP (a Python program
// on raw sockets, run by the process runtime): the answer reader (http/response_reader.hpp)
// refuses what it must with a 502 that says why, reads what is odd but valid (interim answers,
// a body without length, 204, chunk extensions and trailers), never reuses a connection whose
// answer had bytes after it, and the container keeps serving: no answer of it retires it.

#include "tests/integration/janusd_fixture.hpp"
#include "tests/support/http_client.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <string>

namespace janus::test {
namespace {

/// The container: answers `GET /health` with 200, and a chat request with the raw answer its
/// last message's content names; `{conn}` in an answer becomes the connection's number (1, 2,
/// ...), so a test sees whether janusd reused a connection.
constexpr const char* hostile_model = R"PY(
import os, socket, socketserver, threading

def chunked(body, extension=b"", trailer=b""):
    return (b"%x" % len(body)) + extension + b"\r\n" + body + b"\r\n0\r\n" + trailer + b"\r\n"

ANSWERS = {
    "ok": b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len}\r\n\r\n{body}",
    "bare_lf": b"HTTP/1.1 200 OK\nContent-Length: 2\n\nok",
    "two_lengths": b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok",
    "gzip": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n" + chunked(b"ok"),
    "huge_head": b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * 20000 + b"\r\nContent-Length: 2\r\n\r\nok",
    "not_http": b"SSH-2.0-OpenSSH_9.2\r\n\r\n",
    "bad_chunk": b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nokay\r\n0\r\n\r\n",
    "interim": b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\n"
               b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len}\r\n\r\n{body}",
    "chunked": b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
               b"{chunked}",
    "surplus": b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len}\r\n\r\n{body}"
               b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nextra",
    "no_content": b"HTTP/1.1 204 No Content\r\n\r\n",
    "until_close": b"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n{body}",
}
CLOSE_AFTER = {"until_close", "bare_lf", "not_http"}
connections = 0
lock = threading.Lock()

class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        global connections
        with lock:
            connections += 1
            conn = connections
        sock = self.request
        sock.settimeout(30)
        data = b""
        while True:
            while b"\r\n\r\n" not in data:
                more = sock.recv(65536)
                if not more:
                    return
                data += more
            head, data = data.split(b"\r\n\r\n", 1)
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value.strip())
            while len(data) < length:
                more = sock.recv(65536)
                if not more:
                    return
                data += more
            body, data = data[:length], data[length:]
            if head.startswith(b"GET /health"):
                sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                continue
            name = "ok"
            for key in ANSWERS:
                if ('"answer:' + key + '"').encode() in body:
                    name = key
            own = b'{"conn":%d}' % conn
            answer = ANSWERS[name].replace(b"{chunked}", chunked(own, b";ext=1", b"X-Trailer: t\r\n"))
            answer = answer.replace(b"{body}", own).replace(b"{len}", b"%d" % len(own))
            sock.sendall(answer)
            if name in CLOSE_AFTER:
                return

class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True

Server(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
)PY";

class hostile_answers : public janusd_fixture {
protected:
  void SetUp() override {
    auto script = test_dir() / "hostile_model.py";
    std::ofstream{script} << hostile_model;
    start("  hostile:\n    command: [\"/usr/bin/python3\", \"" + script.string()
          + "\"]\n    min_warm: 1\n    max_containers: 1\n");
  }

  static std::string ask_for(const std::string& answer) {
    return R"({"model":"hostile","messages":[{"role":"user","content":"answer:)" + answer
           + R"("}]})";
  }
};

TEST_F(hostile_answers, malformed_answers_get_502_saying_what_was_wrong_and_retire_nothing) {
  const std::pair<const char*, const char*> cases[] = {
    {"bare_lf", "has a line that does not end with CRLF"},
    {"two_lengths", "Content-Length is malformed or given twice"},
    {"gzip", "Transfer-Encoding is not a single `chunked`"},
    {"huge_head", "head is larger than its limit"},
    {"not_http", "status line is malformed"},
    {"bad_chunk", "chunked body is malformed"},
  };
  http_client client{port_};
  for (const auto& [answer, message] : cases) {
    auto got = client.post_json("/v1/chat/completions", ask_for(answer));
    EXPECT_EQ(got.status, 502U) << answer << ": " << got.body;
    EXPECT_NE(got.body.find(message), std::string::npos) << answer << ": " << got.body;
    EXPECT_NE(got.body.find("\"upstream_error\""), std::string::npos) << answer << ": " << got.body;
    EXPECT_FALSE(got.header("x-janus-container").empty()) << answer;
  }
  // The container is still the one janusd started, its slot free: a good answer comes at once.
  auto after = client.post_json("/v1/chat/completions", ask_for("ok"));
  EXPECT_EQ(after.status, 200U) << after.body;
  EXPECT_EQ(metric("janus_pool_inflight_requests", "model=\"hostile\"").value_or(-1), 0.0);
  EXPECT_EQ(metric("janus_container_stops_total", "model=\"hostile\",reason=\"failing\"").value_or(0), 0.0);
}

TEST_F(hostile_answers, odd_but_valid_answers_are_relayed_whole) {
  http_client client{port_};
  for (const char* answer : {"interim", "chunked", "until_close", "ok"}) {
    auto got = client.post_json("/v1/chat/completions", ask_for(answer));
    EXPECT_EQ(got.status, 200U) << answer << ": " << got.body;
    EXPECT_EQ(got.header("content-type"), "application/json") << answer;
    EXPECT_EQ(got.body.rfind("{\"conn\":", 0), 0U) << answer << ": " << got.body;
  }
  auto empty = client.post_json("/v1/chat/completions", ask_for("no_content"));
  EXPECT_EQ(empty.status, 204U);
  EXPECT_EQ(empty.body, "");
  EXPECT_EQ(empty.header("transfer-encoding"), "");
  // The client's connection survived all of them, a 204 included.
  EXPECT_EQ(client.post_json("/v1/chat/completions", ask_for("ok")).status, 200U);
  EXPECT_EQ(client.connection_count(), 1U);
}

TEST_F(hostile_answers, a_connection_whose_answer_had_bytes_after_it_is_not_reused) {
  http_client client{port_};
  auto first = client.post_json("/v1/chat/completions", ask_for("ok"));
  auto second = client.post_json("/v1/chat/completions", ask_for("ok"));
  ASSERT_EQ(first.status, 200U) << first.body;
  EXPECT_EQ(second.body, first.body) << "a clean answer's connection is reused";
  auto surplus = client.post_json("/v1/chat/completions", ask_for("surplus"));
  EXPECT_EQ(surplus.status, 200U);
  EXPECT_EQ(surplus.body, first.body) << "the answer itself, without what came after it";
  auto next = client.post_json("/v1/chat/completions", ask_for("ok"));
  EXPECT_EQ(next.status, 200U);
  EXPECT_NE(next.body, first.body) << "a new connection after the surplus";
}

} // namespace
} // namespace janus::test
