#pragma once

#include <string>
#include <string_view>

namespace janus {

/// What became of one notification to the service manager.
struct service_notice {
  /// True when the datagram went out.
  bool sent = false;
  /// Why it did not; empty when it was sent or when there is no service manager to tell.
  std::string error;
};

/// Sends `state` (e.g. "READY=1") to the service manager that started janusd, as systemd's
/// sd_notify does, without libsystemd: one datagram to the unix socket named by `socket`, the
/// value of $NOTIFY_SOCKET (an absolute path, or `@name` for the abstract namespace). Does
/// nothing (sent false, no error) when `socket` is null or empty: janusd was not started by a
/// Type=notify unit. Never blocks: a datagram that cannot go out at once is an error.
service_notice notify_service_manager(std::string_view state, const char* socket);

/// The same, to the socket of $NOTIFY_SOCKET.
service_notice notify_service_manager(std::string_view state);

} // namespace janus
