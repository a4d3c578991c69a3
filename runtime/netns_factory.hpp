#pragma once

#include <sys/types.h>

#include <functional>
#include <memory>
#include <optional>
#include <thread>

#include "model/result.hpp"

namespace janus {

class netns;

/// Makes sockets inside other network namespaces: the one thread of janusd that ever calls
/// setns(2) (which changes the namespace of the calling thread only, so it never happens on an
/// I/O or actor thread). A job enters the target namespace, makes its sockets, and returns to
/// janusd's own namespace; a socket keeps the namespace it was made in, so every other thread
/// can then connect, accept and read with it. A job never makes a socket unless it has entered
/// its target first, so a failed switch can not put a socket in the wrong namespace.
///
/// Needs CAP_SYS_ADMIN (janusd runs as root for the Docker runtime). Answers run on the factory's
/// thread; after stop() every call answers at once with an error.
class netns_factory {
public:
  /// The factory's thread and job queue; the namespaces it opened hold it.
  class worker;

  /// Starts the thread. `spare_sockets`: spares each namespace keeps (netns::take_spare).
  explicit netns_factory(int spare_sockets);

  /// Stops the thread (see stop()).
  ~netns_factory();

  netns_factory(const netns_factory&) = delete;
  netns_factory& operator=(const netns_factory&) = delete;

  /// Opens the network namespace of process `pid` (/proc/<pid>/ns/net) on the calling thread
  /// (a quick system call): the handle keeps it open until netns::close() or its last owner
  /// goes. Refuses janusd's own namespace, so a socket "inside a container" never lands on the
  /// host's loopback.
  result<std::shared_ptr<netns>> open(pid_t pid);

  /// Whether the factory's thread may switch namespaces (setns into janusd's own, which needs
  /// the same privilege as any other): an error says why not. Waits for the thread, so call it
  /// at start-up only, not on an I/O or actor thread.
  std::optional<error_info> check();

  /// Refuses new jobs, lets the queued ones answer with an error, and joins the thread. Call it
  /// while the executors that answers are posted to still run. Idempotent.
  void stop();

private:
  std::shared_ptr<worker> worker_;
  std::thread thread_;
  int spare_sockets_;
};

} // namespace janus
