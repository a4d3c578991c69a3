#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace janus {

/// janusd's limit on open file descriptors (RLIMIT_NOFILE) before and after raise_fd_limit().
/// Every container of the process runtime costs a pidfd, every probe and connection a socket, so
/// a thousand containers do not fit under the usual soft limit of 1024.
struct fd_limit_change {
  std::uint64_t before = 0;
  std::uint64_t after = 0;
  std::uint64_t hard = 0;
  /// Why the limit could not be raised; empty when it was (or needed no change).
  std::string error;
};

/// Raises the soft RLIMIT_NOFILE of this process to its hard limit, once at start-up, and keeps
/// the soft limit it started with for child processes (see startup_fd_limit()).
fd_limit_change raise_fd_limit();

/// The soft RLIMIT_NOFILE this process had before raise_fd_limit() (0 when it was never called):
/// children get it back, so a model server sees the limit it would have seen without janusd.
std::uint64_t startup_fd_limit();

/// The fewest descriptors janusd needs to run `containers` containers at once: a pidfd (process
/// runtime) and a health probe's socket each, and a reserve for clients, upstream connections,
/// logs and the runtime. Below it, containers will fail for janusd's own lack of descriptors.
std::uint64_t descriptors_needed(std::uint64_t containers);

/// `what: strerror(err)`, and for EMFILE / ENFILE a sentence saying that janusd ran out of file
/// descriptors, with its limit and what to raise, so the cause of a failure is clear in the log.
std::string errno_message(std::string_view what, int err);

} // namespace janus
