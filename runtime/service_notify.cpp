#include "runtime/service_notify.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>

namespace janus {

service_notice notify_service_manager(std::string_view state, const char* socket) {
  service_notice notice;
  if (socket == nullptr || *socket == '\0') {
    return notice;
  }
  std::string_view name{socket};
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (name.front() != '/' && name.front() != '@') {
    notice.error = "NOTIFY_SOCKET must be an absolute path or start with @, got \""
                   + std::string{name} + "\"";
    return notice;
  }
  if (name.size() >= sizeof(address.sun_path)) {
    notice.error = "NOTIFY_SOCKET is longer than a unix socket address may be: "
                   + std::string{name};
    return notice;
  }
  std::memcpy(address.sun_path, name.data(), name.size());
  auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size());
  if (name.front() == '@') {
    address.sun_path[0] = '\0'; // abstract: the name is the bytes after the NUL, no terminator
  } else {
    length += 1;
  }
  int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    notice.error = std::string{"socket: "} + std::strerror(errno);
    return notice;
  }
  auto written = ::sendto(fd, state.data(), state.size(), MSG_NOSIGNAL | MSG_DONTWAIT,
                          reinterpret_cast<const sockaddr*>(&address), length);
  int err = errno;
  ::close(fd);
  if (written < 0) {
    notice.error = "sendto " + std::string{name} + ": " + std::strerror(err);
  } else if (static_cast<std::size_t>(written) != state.size()) {
    notice.error = "sendto " + std::string{name} + ": the datagram was cut short";
  } else {
    notice.sent = true;
  }
  return notice;
}

service_notice notify_service_manager(std::string_view state) {
  return notify_service_manager(state, std::getenv("NOTIFY_SOCKET"));
}

} // namespace janus
