#include "tests/support/raw_connection.hpp"
#include "model/ows.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <system_error>

namespace janus::test {

namespace {

using clock_type = std::chrono::steady_clock;

std::string lower(std::string_view text) {
  std::string out{text};
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

int remaining_ms(clock_type::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now());
  return static_cast<int>(std::max<std::int64_t>(left.count(), 0));
}

} // namespace

std::string raw_response::header(std::string_view name) const {
  auto it = headers.find(lower(name));
  return it == headers.end() ? std::string{} : it->second;
}

raw_connection::raw_connection(std::uint16_t port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) {
    throw std::system_error(errno, std::generic_category(), "socket");
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
    int error = errno;
    ::close(fd_);
    fd_ = -1;
    throw std::system_error(error, std::generic_category(), "connect to 127.0.0.1");
  }
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

raw_connection::~raw_connection() {
  close();
}

void raw_connection::close() {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

bool raw_connection::send(std::string_view bytes) {
  while (!bytes.empty()) {
    auto n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return false;
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

bool raw_connection::fill(clock_type::time_point deadline) {
  if (fd_ < 0 || peer_closed_) {
    return false;
  }
  pollfd waiting{fd_, POLLIN, 0};
  int ready = ::poll(&waiting, 1, remaining_ms(deadline));
  if (ready <= 0) {
    return false;
  }
  char chunk[16 * 1024];
  auto n = ::recv(fd_, chunk, sizeof(chunk), 0);
  if (n <= 0) {
    peer_closed_ = true;
    return false;
  }
  buffer_.append(chunk, static_cast<std::size_t>(n));
  return true;
}

bool raw_connection::data_within(std::chrono::milliseconds timeout) {
  if (!buffer_.empty()) {
    return true;
  }
  fill(clock_type::now() + timeout);
  return !buffer_.empty();
}

bool raw_connection::closed_within(std::chrono::milliseconds timeout) {
  auto deadline = clock_type::now() + timeout;
  while (!peer_closed_ && clock_type::now() < deadline) {
    fill(deadline);
  }
  return peer_closed_;
}

std::optional<raw_response> raw_connection::read_response(std::chrono::milliseconds timeout,
                                                          bool head_request) {
  auto deadline = clock_type::now() + timeout;
  std::size_t head_end = std::string::npos;
  while ((head_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
    if (!fill(deadline)) {
      return std::nullopt;
    }
  }
  raw_response out;
  std::string_view head{buffer_.data(), head_end};
  auto line_end = head.find("\r\n");
  auto status_line = head.substr(0, line_end);
  auto space = status_line.find(' ');
  if (!status_line.starts_with("HTTP/1.") || space == std::string_view::npos
      || space + 4 > status_line.size()) {
    return std::nullopt; // not a response: e.g. the body of the previous one
  }
  out.status = static_cast<unsigned>(std::stoul(std::string{status_line.substr(space + 1, 3)}));
  auto fields = line_end == std::string_view::npos ? std::string_view{} : head.substr(line_end + 2);
  while (!fields.empty()) {
    auto end = fields.find("\r\n");
    auto line = fields.substr(0, end);
    fields = end == std::string_view::npos ? std::string_view{} : fields.substr(end + 2);
    auto colon = line.find(':');
    if (colon == std::string_view::npos) {
      continue;
    }
    auto name = lower(line.substr(0, colon));
    auto value = std::string{trim_ows(line.substr(colon + 1))};
    auto [it, inserted] = out.headers.emplace(name, value);
    if (!inserted) {
      it->second += ", " + value;
    }
  }
  buffer_.erase(0, head_end + 4);
  bool no_body = head_request || out.status < 200 || out.status == 204 || out.status == 304;
  if (no_body) {
    return out;
  }
  if (lower(out.header("transfer-encoding")).find("chunked") != std::string::npos) {
    out.chunked = true;
    while (true) {
      std::size_t size_end = std::string::npos;
      while ((size_end = buffer_.find("\r\n")) == std::string::npos) {
        if (!fill(deadline)) {
          return std::nullopt;
        }
      }
      std::size_t size = std::stoul(buffer_.substr(0, size_end), nullptr, 16);
      while (buffer_.size() < size_end + 2 + size + 2) {
        if (!fill(deadline)) {
          return std::nullopt;
        }
      }
      out.body.append(buffer_, size_end + 2, size);
      buffer_.erase(0, size_end + 2 + size + 2);
      if (size == 0) {
        return out;
      }
    }
  }
  if (auto length = out.header("content-length"); !length.empty()) {
    std::size_t wanted = std::stoul(length);
    while (buffer_.size() < wanted) {
      if (!fill(deadline)) {
        return std::nullopt;
      }
    }
    out.body = buffer_.substr(0, wanted);
    buffer_.erase(0, wanted);
    return out;
  }
  out.close_delimited = true;
  while (!peer_closed_) {
    if (!fill(deadline) && !peer_closed_) {
      return std::nullopt;
    }
  }
  out.body = std::move(buffer_);
  buffer_.clear();
  return out;
}

} // namespace janus::test
